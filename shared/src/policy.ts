import { z } from 'zod';
import { CATEGORIES, CHANNELS } from './domain';
import { DEFAULT_FREEZE_DAY, monthFreezesAt, monthStart } from './months';

// SPEC §4: every number is a default of a policy an operator can change without a code change;
// a change applies to complaints received afterwards. A complaint records the version it used.

const positive = z.number().positive();
const wholePositive = z.number().int().positive();
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');
const money = z.number().nonnegative();

export const policySchema = z
  .object({
    version: z.string().trim().min(1),
    effectiveFrom: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset' }),
    description: z.string().optional(),
    /** The working day ends here: a complaint received later counts as received the next day. */
    cutoff: time,
    /**
     * 当日确认 (SPEC §3.3): the dealer confirms a work order on the Beijing day it arrives, by `dueAt`;
     * one dispatched after the cutoff by `afterCutoffDueAt` on the next working day. Shown on the
     * scorecard; an incentive condition only when `incentiveCondition` says so.
     */
    acknowledgement: z
      .object({ dueAt: time, afterCutoffDueAt: time, reminderBeforeHours: z.number().nonnegative(), incentiveCondition: z.boolean() })
      .strict()
      .default({ dueAt: '23:59', afterCutoffDueAt: '12:00', reminderBeforeHours: 2, incentiveCondition: false }),
    /**
     * SPEC §4 派工: a complaint waiting for the coordinator is dispatched (or marked invalid) the same
     * day when received on a working day by `morningUntil`, by `sameDayDueAt`; otherwise by
     * `nextDayDueAt` on the next working day. The coordinator is reminded before; overdue, their head is told.
     */
    dispatch: z
      .object({ morningUntil: time, sameDayDueAt: time, nextDayDueAt: time, reminderBeforeHours: z.number().nonnegative() })
      .strict()
      .default({ morningUntil: '12:00', sameDayDueAt: '16:30', nextDayDueAt: '12:00', reminderBeforeHours: 1 }),
    /**
     * SPEC §3.2: the channels whose complaints go at once to the customer's own dealer when staff or
     * the hotline integration name one. The public web form is never among them: anyone can fill it
     * in, so its complaints wait for the coordinator, who sees the dealer the customer named.
     */
    routing: z
      .object({
        autoDispatchChannels: z.array(z.enum(CHANNELS)).refine((channels) => !channels.includes('web_form'), 'must not include web_form: the public form always waits for the coordinator'),
      })
      .strict()
      .default({ autoDispatchChannels: CHANNELS.filter((c) => c !== 'web_form') }),
    reply: z.object({ hours: positive, reminderBeforeHours: z.number().nonnegative() }).strict(),
    /** SPEC §4 申请关闭: after the dealer's final reply, the coordinator requests closure within these working days (by the cutoff); reminded then. */
    closureRequest: z.object({ workingDays: wholePositive }).strict().default({ workingDays: 1 }),
    /** A new reply clock after an `unsatisfied` or `false_reply` follow-up sends the complaint back (SPEC §4). */
    returnedReply: z.object({ hours: positive, reminderBeforeHours: z.number().nonnegative() }).strict().default({ hours: 24, reminderBeforeHours: 4 }),
    contact: z.object({ hours: positive }).strict(),
    internetContact: z.object({ hours: positive }).strict(),
    followUp: z
      .object({
        hours: positive,
        attemptsBeforeUnreachable: wholePositive,
        /** Seed 003 §3.1: a major complaint's satisfied follow-up is a visit by the region's manager. */
        majorVisitByRegionalManager: z.boolean().default(true),
      })
      .strict(),
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
    /**
     * 支持额度 (seed 002, 抱怨处理费用支持管理办法): yuan per eligible month, per star level when the
     * directory gives the dealer one and this policy names an amount for it.
     */
    incentive: z
      .object({ amount: money, byStarLevel: z.record(z.string().regex(/^[1-5]$/, 'must be a star level 1-5'), money).default({}) })
      .strict()
      .default({ amount: 2000, byStarLevel: {} }),
    /** Seed 002 重大抱怨 §5.1: a money penalty (考核) is between these amounts, in yuan. */
    penalty: z
      .object({ minAmount: money, maxAmount: money })
      .strict()
      .default({ minAmount: 1000, maxAmount: 10000 }),
    retention: z.object({ closedComplaintYears: wholePositive }).strict(),
    /**
     * SPEC §6 (seed 002 400抱怨 §5.6: scored in the next month): a month's scorecards are provisional
     * (暂定) until this day of the next month, 06:00, then frozen and sent. Decided for a month by the
     * policy in force at its start.
     */
    scoring: z.object({ freezeDay: z.number().int().min(1).max(28) }).strict().default({ freezeDay: DEFAULT_FREEZE_DAY }),
    /**
     * SPEC §3.10 特殊索赔: a major complaint's dealer files claims while it is open or this many days
     * after its closure, each at most its type's ceiling in yuan (a mistyped amount is refused, not paid).
     */
    claims: z
      .object({ windowDays: wholePositive, ceilingYuan: z.object({ special: money, travel: money }).strict() })
      .strict()
      .default({ windowDays: 30, ceilingYuan: { special: 50_000, travel: 10_000 } }),
    /** Staff may record a complaint received earlier (a letter, a walk-in entered later), this many days back at most. */
    intake: z.object({ receivedAtWindowDays: wholePositive }).strict().default({ receivedAtWindowDays: 7 }),
  })
  .strict()
  .superRefine((policy, ctx) => {
    if (policy.reply.reminderBeforeHours >= policy.reply.hours) {
      ctx.addIssue({ code: 'custom', path: ['reply', 'reminderBeforeHours'], message: 'must be less than reply.hours' });
    }
    if (policy.returnedReply.reminderBeforeHours >= policy.returnedReply.hours) {
      ctx.addIssue({ code: 'custom', path: ['returnedReply', 'reminderBeforeHours'], message: 'must be less than returnedReply.hours' });
    }
    // A reminder as long as its clock would come before the clock starts: the days are counted
    // from receipt, so the shortest closure deadline is at least that many days of 24 hours.
    const shortestClosure = Math.min(...Object.values(policy.closure.days));
    if (policy.closure.reminderBeforeHours >= shortestClosure * 24) {
      ctx.addIssue({ code: 'custom', path: ['closure', 'reminderBeforeHours'], message: `must be less than the shortest closure deadline (${shortestClosure} days = ${shortestClosure * 24} hours)` });
    }
    if (policy.acknowledgement.reminderBeforeHours >= 24) {
      ctx.addIssue({ code: 'custom', path: ['acknowledgement', 'reminderBeforeHours'], message: 'must be less than 24 hours (the work order is confirmed the day it arrives)' });
    }
    if (policy.penalty.minAmount > policy.penalty.maxAmount) {
      ctx.addIssue({ code: 'custom', path: ['penalty', 'maxAmount'], message: 'must not be less than penalty.minAmount' });
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

/**
 * When a month's scorecards freeze (SPEC §6): the freeze day of the policy in force at the month's
 * start, so that a changed freeze day applies to the months that begin after it is in force.
 */
export function monthFreeze(month: string, policies: readonly Policy[]): Date {
  return monthFreezesAt(month, policyIfAny(policies, monthStart(month))?.scoring.freezeDay ?? DEFAULT_FREEZE_DAY);
}

/** The policy in force at `at`, or undefined when none was in force yet (where a default serves). */
export function policyIfAny(policies: readonly Policy[], at: Date): Policy | undefined {
  return policies.some((p) => new Date(p.effectiveFrom).getTime() <= at.getTime()) ? policyInForce([...policies], at) : undefined;
}

/** One number or setting a new policy version changes, by its path (`closure.days.service_process`). */
export interface PolicyChange {
  path: string;
  from?: unknown;
  to?: unknown;
}

/** What a policy version changes against another (the one in force): every leaf that differs. */
export function policyDiff(inForce: Policy | undefined, next: Policy): PolicyChange[] {
  const leaves = (value: unknown, prefix: string, into: Map<string, unknown>) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, into);
    } else into.set(prefix, value);
    return into;
  };
  const [a, b] = [leaves(inForce ?? {}, '', new Map()), leaves(next, '', new Map())];
  const paths = [...new Set([...a.keys(), ...b.keys()])].filter((p) => p !== 'version' && JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p)));
  return paths.sort().map((path) => ({ path, ...(a.has(path) && { from: a.get(path) }), ...(b.has(path) && { to: b.get(path) }) }));
}
