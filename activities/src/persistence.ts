import type { ComplaintEvent, ComplaintWorkflowInput, Deadlines } from '@complaints/shared';
import { complaintWorkflowId } from '@complaints/shared';
import type { Models } from './store/models';

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
    },

    /** Records the complaint's deadlines and the policy and calendar versions they came from. */
    async recordDeadlines(number: string, deadlines: Deadlines): Promise<void> {
      await models.Complaint.updateOne(
        { _id: number },
        { $set: { deadlines, closureDeadline: deadlines.closureDeadline ? new Date(deadlines.closureDeadline) : undefined, policyVersion: deadlines.policyVersion } },
      );
    },

    /**
     * Appends one event to the complaint's history, with the state it left. Keyed by the event's sequence: a retried or
     * replayed activity finds its event recorded and changes nothing. Reads then writes by _id
     * (the one filter FerretDB serves from an index); the workflow records a complaint's events
     * one after another, so two writers never race for the same complaint.
     */
    async recordEvent(number: string, event: ComplaintEvent, snapshot: Record<string, unknown> = {}): Promise<void> {
      const current = await models.Complaint.findById(number, { eventCount: 1 }).lean();
      if (!current) throw new Error(`complaint ${number} is not in the read model yet`);
      if (current.eventCount >= event.sequence) return;
      await models.Complaint.updateOne(
        { _id: number },
        {
          $push: { history: { id: event.id, sequence: event.sequence, type: event.type, at: new Date(event.at), by: event.by, summary: event.summary, data: event.data ?? {} } },
          // The workflow's state as of this event: status, dealer, flags and KPI facts (SPEC §6).
          $set: { ...snapshot, status: event.status, eventCount: event.sequence },
        },
      );
    },
  };
}

export type PersistenceActivities = ReturnType<typeof createPersistenceActivities>;
