import { z } from 'zod';
import { dealerCodeSchema } from './domain';

// SPEC §8: the actions on a complaint, `POST /api/complaints/:number/<action>`. One schema per
// action, used by the HTTP layer to validate bodies and by the workflow's update validators.

export const ROLES = ['coordinator', 'call_center', 'dealer', 'regional_manager', 'hq', 'hotline'] as const;
export type Role = (typeof ROLES)[number];

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

export const actionSchemas = {
  dispatch: z.object({ dealerCode: dealerCodeSchema, suggestion: z.string().trim().max(2000).optional() }).strict(),
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
  'acknowledge-major': z.object({ note: z.string().trim().max(2000).optional() }).strict(),
  'written-report': z.object({ summary: text(10_000) }).strict(),
} as const;

export type ActionName = keyof typeof actionSchemas;
export const ACTION_NAMES = Object.keys(actionSchemas) as ActionName[];
export type ActionInput<A extends ActionName> = z.output<(typeof actionSchemas)[A]>;

/** Who may ask for each action (SPEC §1, §7); the workflow also checks a dealer owns the work order. */
export const ACTION_ROLES: Record<ActionName, readonly Role[]> = {
  dispatch: ['coordinator'],
  acknowledge: ['dealer'],
  contact: ['dealer'],
  reply: ['dealer', 'call_center', 'coordinator'],
  'request-closure': ['coordinator'],
  'follow-up': ['call_center'],
  'force-close': ['coordinator'],
  reassign: ['coordinator'],
  upgrade: ['coordinator'],
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
