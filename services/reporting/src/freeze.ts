import express, { type Router } from 'express';
import { z } from 'zod';
import { previousMonth, scoreMonth } from '@complaints/shared';
import { listDealers, type Models } from '@complaints/activities';
import { HttpError, jsonBody, requireRole } from '@complaints/shared/runtime';
import type { ScoringActivities } from '@complaints/workflows';
import { monthComplaints, withQuotaAndIncentive, type Scorecard } from './scorecards';

// Issue 8: a month's scorecards are frozen once the month has closed (by the monthly scoring
// schedule), so that the money they decide does not move when late events arrive. A recompute is
// an explicit coordinator action with a reason, and every freeze or recompute is in the audit trail.

export interface FrozenMonth {
  month: string;
  version: number;
  frozenAt: string;
  frozenBy: string;
  cards: Scorecard[];
  audit: { action: 'freeze' | 'recompute'; by: string; at: string; reason: string; eligible: number; dealers: number }[];
}

async function computeCards(models: Models, month: string): Promise<Scorecard[]> {
  const dealers = new Map((await listDealers(models)).map((d) => [d.code, d]));
  return withQuotaAndIncentive(models, month, scoreMonth(month, await monthComplaints(models, month)), dealers);
}

/**
 * Freezes a month's scorecards; a month already frozen stays as it is unless `recompute` is asked
 * for. Safe to repeat (a retried activity finds the month frozen and changes nothing).
 */
export async function freezeMonth(models: Models, month: string, by: string, recompute?: { reason: string }): Promise<{ frozen: FrozenMonth; changed: boolean }> {
  const existing = (await models.FrozenScorecard.findById(month).lean()) as (FrozenMonth & { _id: string }) | null;
  if (existing && !recompute) return { frozen: existing, changed: false };
  const cards = await computeCards(models, month);
  const at = new Date().toISOString();
  const entry = { action: existing ? ('recompute' as const) : ('freeze' as const), by, at, reason: recompute?.reason ?? 'month closed', eligible: cards.filter((c) => c.incentive.eligible).length, dealers: cards.length };
  const frozen: FrozenMonth = { month, version: (existing?.version ?? 0) + 1, frozenAt: at, frozenBy: by, cards, audit: [...(existing?.audit ?? []), entry] };
  await models.FrozenScorecard.replaceOne({ _id: month }, frozen, { upsert: true });
  return { frozen, changed: true };
}

const recomputeSchema = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM'), reason: z.string().trim().min(1, 'is required').max(2000) }).strict();

export function freezeRoutes(deps: { secret: string; models: Models }): Router {
  const router = express.Router();
  const coordinator = requireRole(deps.secret, ['coordinator']);

  // A recompute (or a first freeze by hand) is explicit, with a reason, and leaves an audit entry.
  router.post('/api/reports/scorecard/recompute', coordinator, jsonBody(), async (req, res) => {
    const { month, reason } = recomputeSchema.parse(req.body);
    const { frozen } = await freezeMonth(deps.models, month, req.principal!.sub, { reason });
    res.json({ month, version: frozen.version, frozenAt: frozen.frozenAt, audit: frozen.audit });
  });

  router.get('/api/reports/scorecard/audit', requireRole(deps.secret, ['coordinator', 'hq']), async (req, res) => {
    const month = recomputeSchema.shape.month.parse(req.query.month);
    const frozen = await deps.models.FrozenScorecard.findById(month, { audit: 1, version: 1 }).lean();
    if (!frozen) throw new HttpError(404, 'not_found', `the scorecards of ${month} are not frozen`);
    res.json({ month, version: frozen.version, audit: frozen.audit });
  });
  return router;
}

/** The reporting worker's activities (workflows/src/schedules.ts ScoringActivities). */
export function createScoringActivities(models: Models): ScoringActivities {
  return {
    async freezePreviousMonth(at: string) {
      const month = previousMonth(new Date(at));
      const { frozen, changed } = await freezeMonth(models, month, 'schedule:monthly-scoring');
      return { month, version: frozen.version, changed, dealers: frozen.cards.length, eligible: frozen.cards.filter((c) => c.incentive.eligible).length };
    },
  };
}
