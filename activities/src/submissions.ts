import type { NewComplaint } from '@complaints/shared';
import { isDuplicateKeyError, type Models } from './store/models';

/**
 * Stores what the customer submitted under the complaint's number, before its workflow starts.
 * Keyed by the number, so a retry stores nothing twice.
 */
export async function recordSubmission(models: Models, number: string, complaint: NewComplaint, receivedAt: Date): Promise<void> {
  const { customer, vehicle, description, request, url, postedAt } = complaint;
  try {
    await models.Submission.create({ _id: number, customer, vehicle, description, request, url, postedAt: postedAt && new Date(postedAt), receivedAt });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}
