import { z } from 'zod';
import { CATEGORIES } from './domain';

// SPEC §4: every number is a default of a policy an operator can change without a code change;
// a change applies to complaints received afterwards. A complaint records the version it used.

const positive = z.number().positive();
const wholePositive = z.number().int().positive();

export const policySchema = z
  .object({
    version: z.string().trim().min(1),
    effectiveFrom: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset' }),
    description: z.string().optional(),
    /** The working day ends here: a complaint received later counts as received the next day. */
    cutoff: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)'),
    reply: z.object({ hours: positive, reminderBeforeHours: z.number().nonnegative() }).strict(),
    contact: z.object({ hours: positive }).strict(),
    internetContact: z.object({ hours: positive }).strict(),
    followUp: z.object({ hours: positive, attemptsBeforeUnreachable: wholePositive }).strict(),
    closure: z
      .object({
        counting: z.enum(['calendar_days', 'working_days']),
        days: z.object(Object.fromEntries(CATEGORIES.map((c) => [c, wholePositive])) as Record<(typeof CATEGORIES)[number], typeof wholePositive>).strict(),
        reminderBeforeHours: z.number().nonnegative(),
      })
      .strict(),
    repairRequest: z.object({ feedbackWorkingDays: wholePositive }).strict(),
    major: z.object({ firstReportMinutes: positive, solutionHours: positive, writtenReportDays: positive }).strict(),
    upgradeToMajorDays: wholePositive,
    escalationMonths: wholePositive,
    quota: z.object({ ratio: z.number().positive().max(1) }).strict(),
    retention: z.object({ closedComplaintYears: wholePositive }).strict(),
    /** Staff may record a complaint received earlier (a letter, a walk-in entered later), this many days back at most. */
    intake: z.object({ receivedAtWindowDays: wholePositive }).strict().default({ receivedAtWindowDays: 7 }),
  })
  .strict()
  .superRefine((policy, ctx) => {
    if (policy.reply.reminderBeforeHours >= policy.reply.hours) {
      ctx.addIssue({ code: 'custom', path: ['reply', 'reminderBeforeHours'], message: 'must be less than reply.hours' });
    }
  });

export type Policy = z.infer<typeof policySchema>;

/** The policy in force at `at`: the latest whose effectiveFrom is not after it. */
export function policyInForce(policies: Policy[], at: Date): Policy {
  const inForce = policies
    .filter((p) => new Date(p.effectiveFrom).getTime() <= at.getTime())
    .sort((a, b) => new Date(b.effectiveFrom).getTime() - new Date(a.effectiveFrom).getTime())[0];
  if (!inForce) throw new Error(`no policy is in force at ${at.toISOString()}`);
  return inForce;
}
