import { z } from 'zod';
import { CATEGORIES, dealerCodeSchema, KINDS, SEVERITIES } from './domain';
import { ROLES, type Role } from './roles';

// SPEC §8: the actions on a complaint, `POST /api/complaints/:number/<action>`. One schema per
// action, used by the HTTP layer to validate bodies and by the workflow's update validators.

/** Who acts: from the caller's verified token. */
export const actorSchema = z.object({
  sub: z.string().min(1),
  role: z.enum(ROLES),
  dealerCode: z.string().optional(),
  region: z.string().optional(),
});
export type Actor = z.infer<typeof actorSchema>;

const text = (max: number) => z.string().trim().min(1, 'is required').max(max);
const rating = z.number().int().min(1).max(5);

export const FOLLOW_UP_OUTCOMES = ['satisfied', 'unsatisfied', 'false_reply', 'unreachable'] as const;
export type FollowUpOutcome = (typeof FOLLOW_UP_OUTCOMES)[number];

/** How a follow-up was done (SPEC §3.7, seed 003 §3.1). */
export const FOLLOW_UP_METHODS = ['phone', 'wechat', 'visit', 'letter'] as const;
export type FollowUpMethod = (typeof FOLLOW_UP_METHODS)[number];

/**
 * Seed 002 (400抱怨 §6.2): a request is handled as a repair request (报修) in one of four cases:
 * the car has not been to a dealer yet and needs the maker to coordinate; the first dealer lacks the
 * skill; the first dealer left the network; the customer chose another dealer.
 */
export const REPAIR_CASES = ['not_yet_at_dealer', 'dealer_lacks_capability', 'dealer_left_network', 'customer_chose_other_dealer'] as const;
export type RepairCase = (typeof REPAIR_CASES)[number];

/** Attachments stored for a complaint after intake (evidence), by their ids. */
const attachmentIds = z.array(z.string().regex(/^[A-Za-z0-9:_-]{1,80}$/, 'must be an attachment id')).min(1).max(10);

export const actionSchemas = {
  dispatch: z
    .object({
      dealerCode: dealerCodeSchema,
      suggestion: z.string().trim().max(2000).optional(),
      /** Which repair case applies; required when a repair request is dispatched by hand. */
      repairCase: z.enum(REPAIR_CASES).optional(),
    })
    .strict(),
  acknowledge: z.object({}).strict(),
  contact: z.object({ note: z.string().trim().max(2000).optional() }).strict(),
  reply: z
    .object({
      text: text(5000),
      final: z.boolean().default(false),
      cause: z.string().trim().max(2000).optional(),
      qualityDefect: z.boolean().optional(),
      partsReplaced: z.array(z.string().trim().min(1).max(200)).max(50).optional(),
    })
    .strict(),
  'request-closure': z.object({ note: z.string().trim().max(2000).optional() }).strict(),
  'follow-up': z
    .object({
      outcome: z.enum(FOLLOW_UP_OUTCOMES),
      // By phone when not said: the call center's usual way.
      method: z.enum(FOLLOW_UP_METHODS).optional(),
      note: z.string().trim().max(2000).optional(),
      ratings: z
        .object({
          serviceQuality: rating,
          attitude: rating,
          priceCheck: rating,
          overall: rating,
          shortcomings: z.string().trim().max(2000),
          suggestions: z.string().trim().max(2000),
        })
        .partial()
        .strict()
        .optional(),
    })
    .strict(),
  'force-close': z.object({ reason: text(2000) }).strict(),
  reassign: z
    .object({
      dealerCode: dealerCodeSchema,
      reason: text(2000),
      // SPEC §3: when the customer left the first dealer because it failed, the complaint still
      // counts against the first dealer.
      countAgainstPrevious: z.boolean().default(true),
    })
    .strict(),
  upgrade: z.object({ reason: text(2000) }).strict(),
  // SPEC §3.2: spam, a duplicate, not a complaint; the reason is kept in the history with who decided.
  invalidate: z.object({ reason: text(2000) }).strict(),
  // SPEC §3.2: the coordinator corrects what the customer picked on the form; at least one of the three.
  classify: z
    .object({ kind: z.enum(KINDS).optional(), category: z.enum(CATEGORIES).optional(), severity: z.enum(SEVERITIES).optional(), reason: text(2000) })
    .strict()
    .superRefine((input, ctx) => {
      if (input.kind === undefined && input.category === undefined && input.severity === undefined) {
        for (const path of ['kind', 'category', 'severity']) ctx.addIssue({ code: 'custom', path: [path], message: 'give the kind, the category or the severity to change' });
      }
    }),
  'acknowledge-major': z.object({ note: z.string().trim().max(2000).optional() }).strict(),
  'written-report': z.object({ summary: text(10_000), attachmentIds: attachmentIds.optional() }).strict(),
} as const;

/**
 * Files added to an open complaint after intake (photos, reports, invoices). Not an HTTP action of
 * its own: intake stores the uploaded files, then tells the workflow with these ids.
 */
export const evidenceSchema = z.object({ attachmentIds, note: z.string().trim().max(2000).optional() }).strict();
export type EvidenceInput = z.output<typeof evidenceSchema>;

export type ActionName = keyof typeof actionSchemas;
export const ACTION_NAMES = Object.keys(actionSchemas) as ActionName[];
export type ActionInput<A extends ActionName> = z.output<(typeof actionSchemas)[A]>;

/** Who may ask for each action (SPEC §1, §7); the workflow also checks a dealer owns the work order. */
export const ACTION_ROLES: Record<ActionName, readonly Role[]> = {
  // The call center dispatches repair requests itself (seed 002 400抱怨 §6.2.6); complaints only the coordinator.
  dispatch: ['coordinator', 'call_center'],
  acknowledge: ['dealer'],
  contact: ['dealer'],
  reply: ['dealer', 'call_center', 'coordinator'],
  'request-closure': ['coordinator'],
  // A major complaint's satisfied follow-up is the regional manager's visit (seed 003 §3.1).
  'follow-up': ['call_center', 'regional_manager'],
  'force-close': ['coordinator'],
  reassign: ['coordinator'],
  upgrade: ['coordinator'],
  invalidate: ['coordinator'],
  classify: ['coordinator'],
  'acknowledge-major': ['coordinator', 'regional_manager'],
  'written-report': ['dealer'],
};

/** What a workflow update carries: the validated input, who acts, and (for dealer moves) the dealer's region. */
export interface ActionRequest<A extends ActionName> {
  actor: Actor;
  input: ActionInput<A>;
  /** For dispatch and reassign: the dealer's region from the directory. */
  region?: string;
}
