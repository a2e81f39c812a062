import { z } from 'zod';

// SPEC §3.10 特殊索赔 (seed 002 重大抱怨 §3, §4.3, §5.2): while a major complaint is open or within the
// policy's window after its closure, its dealer files claims for money it spent; the coordinator
// approves (never above the amount claimed) or rejects with a reason; finance pays the approved ones.

/** `special`: compensation agreed with the customer (§4.3); `travel`: transport and lodging when sent on site (§5.2). */
export const CLAIM_TYPES = ['special', 'travel'] as const;
export type ClaimType = (typeof CLAIM_TYPES)[number];

export const CLAIM_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/**
 * The documents seed 002 重大抱怨 §4.3 lists: 4.3.1 行驶证, 4.3.2 车主身份证, 4.3.3 购车发票, 4.3.4 与用户签订的
 * 协议原件、收条, 4.3.5 其他; a travel claim's are its transport and lodging receipts.
 */
export const CLAIM_DOCUMENT_KINDS = ['vehicle_licence', 'owner_id', 'purchase_invoice', 'agreement', 'receipts', 'other'] as const;
export type ClaimDocumentKind = (typeof CLAIM_DOCUMENT_KINDS)[number];

/** What a claim must carry before it can be approved. */
export const REQUIRED_CLAIM_DOCUMENTS: Record<ClaimType, readonly ClaimDocumentKind[]> = {
  special: ['vehicle_licence', 'owner_id', 'purchase_invoice', 'agreement'],
  travel: ['receipts'],
};

/** The listed documents a claim still lacks, in the seed's order. */
export function missingClaimDocuments(type: ClaimType, kinds: readonly string[]): ClaimDocumentKind[] {
  return REQUIRED_CLAIM_DOCUMENTS[type].filter((kind) => !kinds.includes(kind));
}

/** Yuan, to the fen: a positive amount with at most two decimals (the ceiling is the policy's). */
const yuan = z.coerce
  .number({ error: 'must be an amount in yuan' })
  .positive('must be more than 0')
  .refine((n) => Math.round(n * 100) === Number((n * 100).toFixed(6)), 'must have at most two decimals');

/**
 * The text fields of a claim's multipart post. `documentKinds` names the kind of each file of the
 * `documents` field, in order, separated by commas (the console sends it; an API caller too).
 */
export const claimFieldsSchema = z
  .object({
    type: z.enum(CLAIM_TYPES),
    amount: yuan,
    description: z.string().trim().min(1, 'is required').max(5000),
    documentKinds: z.string().trim().max(500).optional(),
  })
  .strict();
export type ClaimFields = z.output<typeof claimFieldsSchema>;

/** Documents added to a pending claim: the kind of each file, in order. */
export const claimDocumentFieldsSchema = z.object({ documentKinds: z.string().trim().min(1, 'is required').max(500) }).strict();

export const approveClaimSchema = z.object({ amount: yuan }).strict();
export const rejectClaimSchema = z.object({ reason: z.string().trim().min(1, 'is required').max(2000) }).strict();

/** The kinds named for `count` files, or a field problem saying what is wrong. */
export function documentKindsFor(documentKinds: string | undefined, count: number): { kinds: ClaimDocumentKind[] } | { problem: string } {
  const kinds = (documentKinds ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  if (kinds.length !== count) return { problem: `names ${kinds.length} kind(s) for ${count} file(s): one of ${CLAIM_DOCUMENT_KINDS.join(', ')} per file, in order` };
  const unknown = kinds.filter((k) => !(CLAIM_DOCUMENT_KINDS as readonly string[]).includes(k));
  if (unknown.length) return { problem: `${unknown.join(', ')}: not a document kind (${CLAIM_DOCUMENT_KINDS.join(', ')})` };
  return { kinds: kinds as ClaimDocumentKind[] };
}
