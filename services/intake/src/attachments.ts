import multer from 'multer';
import type { Request, RequestHandler } from 'express';
import type { NewAttachment } from '@complaints/activities';
import { HttpError } from '@complaints/shared/runtime';

// Photos and documents with a complaint (SPEC §2): size- and type-limited at the door, kept in
// memory only until they are stored with the submission.

export const ATTACHMENT_LIMITS = { files: 5, fileSize: 5 * 1024 * 1024 } as const;

/** The types accepted, recognised by their first bytes rather than by the name or the browser's word. */
const SIGNATURES: { type: string; test: (b: Buffer) => boolean }[] = [
  { type: 'image/jpeg', test: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { type: 'application/pdf', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
];
export const ACCEPTED_TYPES = SIGNATURES.map((s) => s.type);

const upload = multer({
  storage: multer.memoryStorage(),
  defParamCharset: 'utf8', // browsers send UTF-8 file names (a customer's 发票.pdf)
  limits: { files: ATTACHMENT_LIMITS.files, fileSize: ATTACHMENT_LIMITS.fileSize, fields: 40, fieldSize: 20_000, parts: 50 },
});

const LIMIT_MESSAGES: Record<string, string> = {
  LIMIT_FILE_SIZE: `each file must be at most ${ATTACHMENT_LIMITS.fileSize / 1024 / 1024} MB`,
  LIMIT_FILE_COUNT: `at most ${ATTACHMENT_LIMITS.files} files`,
  LIMIT_UNEXPECTED_FILE: `files go in the attachments field, at most ${ATTACHMENT_LIMITS.files}`,
};

const uploadProblems = new WeakMap<Request, string>();

/**
 * Parses a multipart form with up to five `attachments`. A broken limit does not end the request:
 * the handler's `acceptedAttachments` reports it as the attachments field's error, so that the
 * form can show it beside the field with the rest of what the customer typed.
 */
export const multipartForm: RequestHandler = (req, res, next) => {
  upload.array('attachments', ATTACHMENT_LIMITS.files)(req, res, (error: unknown) => {
    if (!error) return next();
    if (!(error instanceof multer.MulterError)) return next(error);
    uploadProblems.set(req, LIMIT_MESSAGES[error.code] ?? error.message);
    req.files = [];
    req.body ??= {};
    next();
  });
};

/** The uploaded files as attachments, or a 400 naming each file whose content is not an accepted type. */
export function acceptedAttachments(req: Request): NewAttachment[] {
  const attachments: NewAttachment[] = [];
  const problems: { path: string; message: string }[] = [];
  const limit = uploadProblems.get(req);
  if (limit) problems.push({ path: 'attachments', message: limit });
  for (const file of (req.files as Express.Multer.File[] | undefined) ?? []) {
    if (file.size === 0) continue; // an empty file input
    const type = SIGNATURES.find((s) => s.test(file.buffer))?.type;
    if (!type) problems.push({ path: 'attachments', message: `${file.originalname}: only JPEG, PNG, WebP photos and PDF documents are accepted` });
    else attachments.push({ filename: safeName(file.originalname), contentType: type, data: file.buffer });
  }
  if (problems.length) throw new HttpError(400, 'validation_failed', 'The request has invalid fields', problems);
  return attachments;
}

/** Keeps the customer's file name readable and harmless in a download header. */
function safeName(name: string): string {
  return name.replace(/[\\/\r\n"\u0000-\u001f]/g, '_').slice(0, 200) || 'attachment';
}
