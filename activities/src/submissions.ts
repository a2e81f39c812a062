import { createHash } from 'node:crypto';
import type { NewComplaint } from '@complaints/shared';
import { isDuplicateKeyError, type Models } from './store/models';

/** A file the customer attached, checked for size and type at intake. */
export interface NewAttachment {
  filename: string;
  contentType: string;
  data: Buffer;
}

/**
 * Stores what the customer submitted under the complaint's number, before its workflow starts:
 * the attachments first (each keyed `<number>:<n>`), then the submission that lists them. Keyed by
 * the number, so a retry stores nothing twice.
 */
export async function recordSubmission(models: Models, number: string, complaint: NewComplaint, receivedAt: Date, files: NewAttachment[] = []): Promise<void> {
  const { customer, vehicle, description, request, url, postedAt } = complaint;
  const attachments = files.map((file, i) => ({ id: String(i + 1), filename: file.filename, contentType: file.contentType, size: file.data.length }));
  for (const [i, file] of files.entries()) {
    const { id, ...meta } = attachments[i]!;
    const sha256 = createHash('sha256').update(file.data).digest('hex');
    await models.Attachment.replaceOne({ _id: `${number}:${id}` }, { number, ...meta, sha256, data: file.data }, { upsert: true });
  }
  try {
    await models.Submission.create({ _id: number, customer, vehicle, attachments, description, request, url, postedAt: postedAt && new Date(postedAt), receivedAt });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}
