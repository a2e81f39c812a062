import type { Role } from './roles';

// SPEC §7: who sees which complaints. A dealer sees its own work orders, a regional manager the
// complaints of its region, the coordinator, the call center and headquarters all of them; the
// hotline integration only submits calls. Every read (one complaint, a list, a report, a
// scorecard) asks this module. Light enough for workflow code: no value imports.

/** The roles that read complaints and reports, each within its scope: every role but the hotline integration. */
export const STAFF_ROLES: readonly Role[] = ['coordinator', 'call_center', 'dealer', 'regional_manager', 'hq'];

/** The roles that deal with the customer, and so see the customer's personal data (name, phone, vehicle). */
export const SEES_CUSTOMER: readonly Role[] = ['coordinator', 'call_center', 'dealer'];

/** Who reads: a verified token's claims. */
export type Viewer = { role: 'dealer'; dealerCode: string } | { role: 'regional_manager'; region: string } | { role: 'coordinator' | 'call_center' | 'hq' | 'hotline' };

/** The fields every complaint a viewer may see has: `{ dealerCode }`, `{ region }`, `{}` (all); null: none. */
export type VisibleScope = { dealerCode: string } | { region: string } | Record<string, never>;

export function visibleScope(viewer: Viewer): VisibleScope | null {
  switch (viewer.role) {
    case 'dealer':
      return { dealerCode: viewer.dealerCode };
    case 'regional_manager':
      return { region: viewer.region };
    case 'hotline':
      return null;
    default:
      return {};
  }
}

/** Whether the viewer may see the complaint (another dealer's answers as if it did not exist). */
export function canSee(viewer: Viewer, complaint: { dealerCode?: string | null; region?: string | null }): boolean {
  const scope = visibleScope(viewer);
  return scope !== null && Object.entries(scope).every(([field, value]) => complaint[field as 'dealerCode' | 'region'] === value);
}

/**
 * Whether the viewer sees the complaint's customer (name, phone, vehicle) and the customer's files
 * (SPEC §7): those who deal with the customer, and, for a major complaint of its region, the
 * regional manager who must visit the customer (seed 003 §3.1).
 */
export function seesCustomer(viewer: Viewer, complaint: { severity?: string | null; region?: string | null }): boolean {
  if (SEES_CUSTOMER.includes(viewer.role)) return true;
  return viewer.role === 'regional_manager' && complaint.severity === 'major' && Boolean(complaint.region) && complaint.region === viewer.region;
}
