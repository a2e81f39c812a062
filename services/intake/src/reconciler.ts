import type { Client } from '@temporalio/client';
import type { ComplaintFacts, Config } from '@complaints/shared';
import type { Models } from '@complaints/activities';
import type { Logger } from '@complaints/runtime';
import type { NotificationRequest } from '@complaints/shared';
import { startPending } from './submit';
import { startCalendarCorrections } from './calendars';
import { startPendingNotices } from './claims';

// No complaint without its workflow: a submission is stored with a pending start before its
// workflow is started, and the pending record is cleared once Temporal confirms. Whatever stopped
// the start (Temporal down, intake killed in between), this loop finishes it, on start-up and every
// few seconds; it is safe to repeat because the workflow id is the complaint number.

export interface ReconcilerDeps {
  config: Config;
  models: Models;
  temporal: Client;
  logger: Logger;
  now: () => Date;
  /** Tells the coordinator of a complaint still pending; exactly once per key. */
  sendNotification?: (request: NotificationRequest) => Promise<unknown>;
}

export interface ReconcileOptions {
  /** A complaint pending longer than this is reported to the coordinator, once. */
  alertAfterMs: number;
  /** A pending record whose submission never got stored, older than this, is the trace of a request that failed (its caller was told): dropped. */
  abandonAfterMs?: number;
}

export interface Reconciled {
  started: number;
  pending: number;
  alerted: number;
  abandoned: number;
}

/** Starts the workflow of every stored complaint whose start was not confirmed. */
export async function reconcilePending(deps: ReconcilerDeps, options: ReconcileOptions): Promise<Reconciled> {
  const { models } = deps;
  const outcome: Reconciled = { started: 0, pending: 0, alerted: 0, abandoned: 0 };
  const pending = await models.PendingStart.find({}).sort({ since: 1 }).limit(500).lean();
  for (const record of pending) {
    const number = record._id;
    const age = deps.now().getTime() - new Date(record.since).getTime();
    if (!(await models.Submission.exists({ _id: number }))) {
      // Its request is still storing the submission, or failed before it could (and said so).
      if (age > (options.abandonAfterMs ?? 10 * 60_000)) {
        await models.PendingStart.deleteOne({ _id: number, since: record.since });
        outcome.abandoned += 1;
      }
      continue;
    }
    let started: boolean;
    try {
      started = await startPending(deps, number, record.facts as ComplaintFacts, { fresh: false });
    } catch (error) {
      // One record that fails does not hold back the others.
      deps.logger.warn({ number, err: { name: (error as Error).name, message: (error as Error).message } }, 'a pending start failed; trying again next round');
      started = false;
    }
    if (started) {
      outcome.started += 1;
      deps.logger.info({ number, pendingSeconds: Math.round(age / 1000) }, 'workflow started for a stored complaint');
      continue;
    }
    outcome.pending += 1;
    if (age >= options.alertAfterMs && !record.alertedAt && deps.sendNotification) {
      const facts = record.facts as ComplaintFacts;
      try {
        await deps.sendNotification({
          key: `${number}:workflow-pending`,
          template: 'workflow_pending',
          recipients: [{ role: 'coordinator' }],
          // What Temporal last answered (a refusal's reason, or that it did not answer): no personal data.
          data: { number, receivedAt: facts.receivedAt, since: new Date(record.since).toISOString(), reason: (await models.PendingStart.findById(number, { lastError: 1 }).lean())?.lastError ?? '' },
        });
        await models.PendingStart.updateOne({ _id: number }, { $set: { alertedAt: deps.now() } });
        outcome.alerted += 1;
      } catch (error) {
        // Tried again next round; the key keeps it to one email.
        deps.logger.warn({ number, err: { message: (error as Error).message } }, 'the coordinator could not be told of a pending complaint yet');
      }
    }
  }
  return outcome;
}

/** Runs `reconcilePending` now and every `intervalMs` until stopped; a failed round is logged and retried. */
export function startReconciler(deps: ReconcilerDeps, options: ReconcileOptions & { intervalMs: number }): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  let stopped = false;
  const run = () => {
    // A calendar loaded by the CLI, or while Temporal did not answer: its correction starts here (SPEC §4).
    const corrections = startCalendarCorrections({ client: deps.temporal, models: deps.models, config: deps.config }).then(
      (started) => {
        if (started) deps.logger.info({ started }, 'calendar corrections started');
      },
      (error: Error) => deps.logger.warn({ err: { name: error.name, message: error.message } }, 'calendar corrections could not be started; trying again'),
    );
    // A claim filed or decided while Temporal did not answer: its email starts here (SPEC §3.10).
    const notices = corrections.then(() => startPendingNotices(deps)).then(
      (started) => {
        if (started) deps.logger.info({ started }, 'claim emails started');
      },
      (error: Error) => deps.logger.warn({ err: { name: error.name, message: error.message } }, 'claim emails could not be started; trying again'),
    );
    round = notices.then(() => reconcilePending(deps, options)).then(
      (outcome) => {
        if (outcome.pending || outcome.started || outcome.abandoned) deps.logger.info(outcome, 'pending workflow starts reconciled');
      },
      (error: Error) => deps.logger.warn({ err: { name: error.name, message: error.message } }, 'pending workflow starts could not be reconciled; trying again'),
    );
    void round.then(() => {
      if (!stopped) timer = setTimeout(run, options.intervalMs);
    });
  };
  run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
