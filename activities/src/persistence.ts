import type { ComplaintEvent, ComplaintWorkflowInput, Deadlines } from '@complaints/shared';
import { complaintWorkflowId } from '@complaints/shared';
import type { Models } from './store/models';
import { projectAggregates } from './store/aggregates';
import { eraseHistory, type ErasureMarker } from './retention';

export interface PersistenceDeps {
  models: Models;
}

/** Projects the workflow's state into the MongoDB read model. Every activity is safe to retry. */
export function createPersistenceActivities({ models }: PersistenceDeps) {
  return {
    async recordComplaint({ number, facts }: ComplaintWorkflowInput): Promise<void> {
      await models.Complaint.updateOne(
        { _id: number },
        {
          $setOnInsert: {
            ...facts,
            _id: number,
            workflowId: complaintWorkflowId(number),
            receivedAt: new Date(facts.receivedAt),
            status: 'received',
            eventCount: 0,
          },
        },
        { upsert: true },
      );
      // The customer's dealer counts it from receipt (SPEC §6): the month's aggregates move with it.
      await projectAggregates(models, number);
    },

    /** Records the complaint's deadlines and the policy and calendar versions they came from. */
    /**
     * The complaint's deadlines as the workflow holds them. `reproject`: they changed after the
     * complaint's events were projected (a reclassification), and the scorecards' aggregates, which
     * read the closure deadline, follow.
     */
    async recordDeadlines(number: string, deadlines: Deadlines, options: { reproject?: boolean } = {}): Promise<void> {
      await models.Complaint.updateOne(
        { _id: number },
        deadlines.closureDeadline
          ? { $set: { deadlines, closureDeadline: new Date(deadlines.closureDeadline), policyVersion: deadlines.policyVersion } }
          : { $set: { deadlines, policyVersion: deadlines.policyVersion }, $unset: { closureDeadline: 1 } },
      );
      if (options.reproject) await projectAggregates(models, number);
    },

    /**
     * Appends one event to the complaint's history, with the state it left. Keyed by the event's
     * sequence, in one conditional write: a retry, a replay, or an attempt that timed out and
     * writes late (after Temporal's retry, or even after newer events) matches nothing and changes
     * nothing. A read first and a write after would let two attempts both see the event missing.
     * The `_id` equality keeps it an index lookup on FerretDB too (patch 03, docs/ferretdb.md).
     * FerretDB applies an update as read, change, write of the whole document: two copies of the
     * same event then write the same document, and a copy that reads after the first one's write
     * no longer matches.
     */
    async recordEvent(number: string, event: ComplaintEvent, snapshot: Record<string, unknown> = {}): Promise<void> {
      const record = (e: Pick<ComplaintEvent, 'summary' | 'data'>, state: Record<string, unknown>, filter: Record<string, unknown>) =>
        models.Complaint.updateOne(
          { _id: number, eventCount: { $lt: event.sequence }, ...filter },
          {
            $push: { history: { id: event.id, sequence: event.sequence, type: event.type, at: new Date(event.at), by: event.by, summary: e.summary, data: e.data ?? {} } },
            // The workflow's state as of this event: status, dealer, flags and KPI facts (SPEC §6).
            $set: { ...state, status: event.status, eventCount: event.sequence },
          },
        );
      const { matchedCount } = await record(event, snapshot, { erasedAt: { $exists: false } });
      // The scorecards' aggregates follow the read model as it now stands, on every attempt: a retry
      // after a crash between the two writes brings them in line (the projection is idempotent).
      if (matchedCount) return projectAggregates(models, number);
      // Nothing matched: the event is recorded already, the complaint's personal data was erased, or
      // the complaint is not recorded (its recordComplaint has not run yet): that must fail, so that
      // Temporal retries the event.
      const doc = await models.Complaint.findById(number, { eventCount: 1, erasedAt: 1, erasedUnder: 1 }).lean();
      if (!doc) throw new Error(`complaint ${number} is not in the read model yet`);
      if (!doc.erasedAt || (doc.eventCount ?? 0) >= event.sequence) return projectAggregates(models, number);
      // Erased (on the customer's request, while its workflow was still finishing): an event that comes
      // later is recorded without its free text, and the state without the reasons the erasure took out.
      const marker: ErasureMarker = { erased: true, at: new Date(doc.erasedAt).toISOString(), policyVersion: doc.erasedUnder ?? '' };
      const [erased] = eraseHistory([{ summary: event.summary, data: event.data ?? {} }], marker);
      const { closeReason: _reason, major, ...state } = snapshot as { closeReason?: unknown; major?: Record<string, unknown> };
      await record(erased!, { ...state, ...(major && { major: { ...major, reason: marker } }) }, {});
      await projectAggregates(models, number);
    },
  };
}

export type PersistenceActivities = ReturnType<typeof createPersistenceActivities>;
