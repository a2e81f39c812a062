import type { Models } from '@complaints/activities';

/** Reporting's own activities, for the scheduled report workflows it hosts. */
export function createReportingActivities({ models }: { models: Models }) {
  return {
    /** How many complaints were received in a month, by status: the first figure the monthly report needs. */
    async countByStatus(from: string, to: string): Promise<Record<string, number>> {
      const docs = await models.Complaint.find({ receivedAt: { $gte: new Date(from), $lt: new Date(to) } }, { status: 1 }).lean();
      const counts: Record<string, number> = {};
      for (const { status } of docs) counts[status] = (counts[status] ?? 0) + 1;
      return counts;
    },
  };
}
