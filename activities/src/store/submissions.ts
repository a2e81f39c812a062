import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { NewComplaint } from '@complaints/shared';
import { isDuplicateKeyError, type Models } from './models';

/**
 * A file the customer attached, checked for size and type at intake and waiting on disk (intake
 * deletes it once the request is over), so that a burst of uploads is never all in memory.
 */
export interface NewAttachment {
  filename: string;
  contentType: string;
  /** Where intake spilled the upload. */
  path: string;
  size: number;
}

/**
 * Stores one file of a complaint under `<number>:<id>`, read from where intake spilled it (one file
 * in memory at a time). Keyed, so storing it again overwrites rather than duplicates. `uploadedBy`:
 * the staff member who added it after intake (evidence); the customer's own files have none.
 */
export async function storeAttachment(models: Models, number: string, id: string, file: NewAttachment, uploadedBy?: string): Promise<void> {
  const data = await readFile(file.path);
  if (data.length !== file.size) throw new Error(`attachment ${id} of ${number} is ${data.length} bytes on disk, not the ${file.size} received`);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const { filename, contentType, size } = file;
  await models.Attachment.replaceOne({ _id: `${number}:${id}` }, { number, filename, contentType, size, sha256, data, ...(uploadedBy && { uploadedBy }) }, { upsert: true });
}

/**
 * Stores what the customer submitted under the complaint's number, before its workflow starts:
 * the attachments first (each keyed `<number>:<n>`), then the submission that lists them. Keyed by
 * the number, so a retry stores nothing twice. Attachments are read one at a time, so that only
 * one file of a submission is in memory at once.
 */
export async function recordSubmission(models: Models, number: string, complaint: NewComplaint, receivedAt: Date, files: NewAttachment[] = []): Promise<void> {
  const attachments = attachmentsOf(files);
  for (const [i, file] of files.entries()) await storeAttachment(models, number, attachments[i]!.id, file);
  try {
    await models.Submission.create(submissionFields(number, complaint, receivedAt, attachments));
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}

/** The attachments' entries of a submission, numbered as storeAttachment keys them. */
export function attachmentsOf(files: NewAttachment[]): { id: string; filename: string; contentType: string; size: number }[] {
  return files.map((file, i) => ({ id: String(i + 1), filename: file.filename, contentType: file.contentType, size: file.size }));
}

/** What a submission stores of a complaint: the personal data, the customer's words and files, the language. */
export function submissionFields(number: string, complaint: NewComplaint, receivedAt: Date, attachments: ReturnType<typeof attachmentsOf>) {
  const { customer, vehicle, description, request, url, postedAt, language } = complaint;
  return { _id: number, customer, vehicle, attachments, description, request, url, postedAt: postedAt && new Date(postedAt), receivedAt, language };
}
