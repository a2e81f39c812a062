import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { monthSchema } from '@complaints/shared';
import { isDuplicateKeyError, type Models } from '@complaints/activities';
import { type Auth, HttpError, jsonBody } from '@complaints/runtime';
import { computeScorecards, type Scorecard } from './scorecards';

// SPEC §6: a month's scorecards are frozen once the month has closed (by the monthly scoring
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

/** Recomputes of one month that may overlap (a coordinator's and a retried request's); more is reported as a conflict. */
const MAX_ATTEMPTS = 10;

const withoutStorageFields = ({ month, version, frozenAt, frozenBy, cards, audit }: FrozenMonth): FrozenMonth => ({ month, version, frozenAt, frozenBy, cards, audit });

/**
 * Makes `frozen` (a claimed version) the month's current scorecards, if the month still shows the
 * version before it. Safe to repeat and to run alongside another caller publishing the same version.
 * (The version in the filter makes FerretDB scan frozen_scorecards: one small document a month.)
 */
async function publish(models: Models, frozen: FrozenMonth): Promise<void> {
  if (frozen.version === 1) {
    try {
      await models.FrozenScorecard.create({ _id: frozen.month, ...frozen });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // published already (by the claimant or a caller that found it claimed)
    }
    return;
  }
  await models.FrozenScorecard.updateOne({ _id: frozen.month, version: frozen.version - 1 }, { $set: frozen });
}

type Stored = FrozenMonth & { _id: string };

/**
 * Freezes a month's scorecards; a month already frozen stays as it is unless `recompute` is asked
 * for. Safe to repeat (a retried activity finds the month frozen and changes nothing) and to run
 * concurrently: a first freeze happens once, and concurrent recomputes each take a version of
 * their own, one after another, each audit trail extending the one before.
 */
export async function freezeMonth(models: Models, month: string, by: string, recompute?: { reason: string }): Promise<{ frozen: FrozenMonth; changed: boolean }> {
  const versions = models.FrozenScorecardVersion;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const existing = (await models.FrozenScorecard.findById(month).lean()) as Stored | null;
    if (existing && !recompute) return { frozen: withoutStorageFields(existing), changed: false };
    const cards = await computeScorecards(models, month, 'complaints');
    const at = new Date().toISOString();
    const entry = { action: existing ? ('recompute' as const) : ('freeze' as const), by, at, reason: recompute?.reason ?? 'month closed', eligible: cards.filter((c) => c.incentive.eligible).length, dealers: cards.length };
    const frozen: FrozenMonth = { month, version: (existing?.version ?? 0) + 1, frozenAt: at, frozenBy: by, cards, audit: [...(existing?.audit ?? []), entry] };
    try {
      await versions.create({ _id: `${month}:${frozen.version}`, ...frozen });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Another freeze or recompute took this version first. Publish it in case its caller stopped
      // before doing so (else the month would stay behind its versions), then start again from it.
      const taken = await versions.findById(`${month}:${frozen.version}`).lean<Stored>();
      if (taken) await publish(models, withoutStorageFields(taken));
      continue;
    }
    await publish(models, frozen);
    return { frozen, changed: true };
  }
  throw new HttpError(409, 'conflict', `the scorecards of ${month} are being recomputed by others at the same time; try again`);
}

const recomputeSchema = z.object({ month: monthSchema, reason: z.string().trim().min(1, 'is required').max(2000) }).strict();

export function freezeRoutes(deps: { auth: Auth; models: Models; idempotent: RequestHandler }): Router {
  const router = express.Router();
  const coordinator = deps.auth.requireRole(['coordinator']);

  // A recompute (or a first freeze by hand) is explicit, with a reason, and leaves an audit entry.
  router.post('/api/reports/scorecard/recompute', coordinator, jsonBody(), deps.idempotent, async (req, res) => {
    const { month, reason } = recomputeSchema.parse(req.body);
    const { frozen } = await freezeMonth(deps.models, month, req.principal!.sub, { reason });
    res.json({ month, version: frozen.version, frozenAt: frozen.frozenAt, audit: frozen.audit });
  });

  router.get('/api/reports/scorecard/audit', deps.auth.requireRole(['coordinator', 'hq']), async (req, res) => {
    const month = recomputeSchema.shape.month.parse(req.query.month);
    const frozen = await deps.models.FrozenScorecard.findById(month, { audit: 1, version: 1 }).lean();
    if (!frozen) throw new HttpError(404, 'not_found', `the scorecards of ${month} are not frozen`);
    res.json({ month, version: frozen.version, audit: frozen.audit });
  });
  return router;
}
