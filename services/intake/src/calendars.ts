import express, { type Router } from 'express';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { calendarDiff, calendarYearSchema, policyDiff, policyInForce, policySchema, STAFF_ROLES, type Config } from '@complaints/shared';
import {
  RuleVersionConflict,
  calendarInForce,
  calendarStatus,
  calendarVersions,
  loadPolicies,
  policyVersions,
  saveCalendar,
  savePolicy,
  type Models,
} from '@complaints/activities';
import { CALENDAR_CORRECTION_WORKFLOW, calendarCorrectionWorkflowId } from '@complaints/workflows';
import { type Auth, HttpError, invalidFields, jsonBody, notFound, type Logger } from '@complaints/runtime';
import type { RequestHandler } from 'express';

// SPEC §4, §8: the working calendars and the policies, as the coordinator operates them from the
// console: list the versions with who loaded them and when, check one (the same rules as the CLI,
// with the difference from the version in force), load it. A calendar loaded for a year corrects
// the open complaints' deadlines in that year (workflows/src/calendars.ts).

/**
 * Starts the correction of every calendar version loaded and not yet corrected: here after a load
 * from the console, and in intake's reconciler for a load from the CLI or a start that Temporal did
 * not answer. One workflow per version (its id), so a repeat starts nothing twice.
 */
export async function startCalendarCorrections(deps: { client: Client; models: Models; config: Pick<Config, 'TASK_QUEUE_COMPLAINTS'> }): Promise<number> {
  const pending = await deps.models.CalendarVersion.find({ correction: 'pending' }).sort({ loadedAt: 1 }).lean();
  for (const { _id, year, version } of pending) {
    try {
      await deps.client.workflow.start(CALENDAR_CORRECTION_WORKFLOW, {
        taskQueue: deps.config.TASK_QUEUE_COMPLAINTS,
        workflowId: calendarCorrectionWorkflowId({ year, version }),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [{ year, version }],
        staticSummary: `${year} 年工作日历 ${version}: 重新计算未闭环抱怨的期限 (correcting open complaints' deadlines)`,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    await deps.models.CalendarVersion.updateOne({ _id, correction: 'pending' }, { $set: { correction: 'started' } });
  }
  return pending.length;
}

const yearParam = (param: string | string[] | undefined) => {
  const value = typeof param === 'string' ? param : undefined;
  const year = Number(value);
  if (!/^\d{4}$/.test(value ?? '') || year < 2000 || year > 2100) throw invalidFields([{ path: 'year', message: 'must be a year 2000–2100' }]);
  return year;
};

/** A version loaded before with other content: 409, named at `version`. */
const versionConflict =
  (message: string) =>
  (error: unknown): never => {
    if (error instanceof RuleVersionConflict) throw new HttpError(409, 'version_exists', error.message, [{ path: 'version', message }]);
    throw error;
  };

export function calendarRoutes(deps: { auth: Auth; models: Models; temporal: Client; config: Config; logger: Logger; idempotent: RequestHandler; now: () => Date }): Router {
  const { models } = deps;
  const router = express.Router();
  // The calendar is public knowledge; its loading is the coordinator's (SPEC §8: staff read it).
  const staff = deps.auth.requireRole(STAFF_ROLES);
  const coordinator = deps.auth.requireRole(['coordinator']);
  const loaderOf = (req: express.Request) => ({ by: `${req.principal!.role}:${req.principal!.sub}`, at: deps.now() });

  router.get('/api/calendars', staff, async (_req, res) => {
    res.json(await calendarStatus(models, deps.now()));
  });

  router.get('/api/calendars/:year', staff, async (req, res) => {
    const year = yearParam(req.params.year);
    const versions = await calendarVersions(models, year);
    if (!versions.length) throw notFound(`calendar for ${year}`);
    res.json({ year, inForce: versions.find((v) => v.inForce)?.version, versions });
  });

  /** Checks a calendar without loading it: its problems by field, or its difference from the one in force. */
  router.post('/api/calendars/check', coordinator, jsonBody(), async (req, res) => {
    const calendar = calendarYearSchema.parse(req.body);
    res.json({ valid: true, diff: calendarDiff(await calendarInForce(models, calendar.year), calendar) });
  });

  router.put('/api/calendars/:year', coordinator, jsonBody(), deps.idempotent, async (req, res) => {
    const year = yearParam(req.params.year);
    // A file for another year is said first: every one of its dates would otherwise be "outside" the year.
    const given = (req.body as { year?: unknown } | undefined)?.year;
    if (given !== year) throw invalidFields([{ path: 'year', message: `is ${JSON.stringify(given ?? null)}, but this is the calendar for ${year}` }]);
    const calendar = calendarYearSchema.parse(req.body);
    const inForce = await calendarInForce(models, year);
    const saved = await saveCalendar(models, calendar, loaderOf(req)).catch(versionConflict('was loaded before with other days: give the corrected calendar a new version'));
    deps.logger.info({ year, version: calendar.version, outcome: saved.outcome, by: req.principal!.sub }, 'calendar loaded');
    // The open complaints are corrected now if Temporal answers, else by the reconciler shortly.
    const correction = await startCalendarCorrections({ client: deps.temporal, models, config: deps.config }).then(
      () => 'started',
      (error: Error) => {
        deps.logger.warn({ err: { name: error.name, message: error.message } }, 'calendar correction not started yet; the reconciler tries again');
        return 'pending';
      },
    );
    res.status(saved.outcome === 'unchanged' ? 200 : 201).json({ year, version: calendar.version, ...saved, correction, diff: calendarDiff(inForce, calendar) });
  });

  router.get('/api/policies', deps.auth.requireRole(['coordinator', 'hq']), async (_req, res) => {
    const versions = await policyVersions(models);
    const inForce = policyInForce(versions.map((v) => v.policy), deps.now());
    res.json({ inForce: inForce.version, versions: versions.map((v) => ({ ...v, inForce: v.policy.version === inForce.version })) });
  });

  /** A policy to load: valid, effective from a moment still to come (SPEC §4: complaints received afterwards). */
  async function checkedPolicy(body: unknown) {
    const policy = policySchema.parse(body);
    if (Date.parse(policy.effectiveFrom) <= deps.now().getTime()) {
      throw invalidFields([{ path: 'effectiveFrom', message: 'must be later than now: a policy applies to complaints received after it takes effect' }]);
    }
    const policies = await loadPolicies(models);
    const before = policies.length ? policyInForce(policies, new Date(policy.effectiveFrom)) : undefined;
    return { policy, before, diff: policyDiff(before, policy) };
  }

  router.post('/api/policies/check', coordinator, jsonBody(), async (req, res) => {
    const { before, diff } = await checkedPolicy(req.body);
    res.json({ valid: true, against: before?.version, diff });
  });

  router.post('/api/policies', coordinator, jsonBody(), deps.idempotent, async (req, res) => {
    const { policy, before, diff } = await checkedPolicy(req.body);
    const outcome = await savePolicy(models, policy, loaderOf(req)).catch(versionConflict('exists with other values: give the changed policy a new version'));
    deps.logger.info({ version: policy.version, outcome, by: req.principal!.sub }, 'policy loaded');
    res.status(outcome === 'created' ? 201 : 200).json({ version: policy.version, effectiveFrom: policy.effectiveFrom, outcome, against: before?.version, diff });
  });

  return router;
}
