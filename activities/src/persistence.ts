import type { ComplaintEvent, ComplaintWorkflowInput } from '@complaints/shared';
import { complaintWorkflowId } from '@complaints/shared';
import { isDuplicateKeyError, type Models } from './store/models';

export interface PersistenceDeps {
  models: Models;
}

/** Projects the workflow's state into the MongoDB read model. Every activity is safe to retry. */
export function createPersistenceActivities({ models }: PersistenceDeps) {
  return {
    async recordComplaint({ number, complaint }: ComplaintWorkflowInput): Promise<void> {
      await models.Complaint.updateOne(
        { _id: number },
        {
          $setOnInsert: {
            ...complaint,
            _id: number,
            workflowId: complaintWorkflowId(number),
            receivedAt: new Date(complaint.receivedAt),
            postedAt: complaint.postedAt ? new Date(complaint.postedAt) : undefined,
            status: 'received',
            eventCount: 0,
          },
        },
        { upsert: true },
      );
    },

    async recordEvent(number: string, event: ComplaintEvent): Promise<void> {
      try {
        await models.ComplaintEvent.create({
          _id: event.id,
          number,
          sequence: event.sequence,
          type: event.type,
          at: new Date(event.at),
          by: event.by,
          summary: event.summary,
          data: event.data ?? {},
        });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // The sequence only grows, so a retried or late write never moves the projection backwards.
      await models.Complaint.updateOne(
        { _id: number, eventCount: { $lt: event.sequence } },
        { $set: { status: event.status, eventCount: event.sequence } },
      );
    },
  };
}

export type PersistenceActivities = ReturnType<typeof createPersistenceActivities>;
