// SPEC §1, §7: who acts. Pure (no schemas), so that workflow code and the console read the same
// lists as the API.

export const ROLES = ['coordinator', 'call_center', 'dealer', 'regional_manager', 'hq', 'hotline'] as const;
export type Role = (typeof ROLES)[number];

/** Who may add files to a complaint after intake (photos, reports, invoices). */
export const EVIDENCE_ROLES: readonly Role[] = ['dealer', 'coordinator', 'call_center'];
