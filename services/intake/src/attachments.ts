import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import multer from 'multer';
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { NewAttachment } from '@complaints/activities';
import type { Config } from '@complaints/shared';
import { HttpError, invalidFields } from '@complaints/runtime';
import { HourlyUploads, UploadSlots } from './uploadLimits';

// Photos and documents with a complaint (SPEC §2): size- and type-limited at the door, spilled to
// disk as they arrive and read back one at a time when they are stored, so that a burst of posts
// (50 customers × 5 photos × 5 MB) never sits in the intake's memory. The uploads parsed at once
// and the bytes one address stores per hour are bounded too (uploadLimits.ts).

export const ATTACHMENT_LIMITS = { files: 5, fileSize: 5 * 1024 * 1024 } as const;

/** The types accepted, recognised by their first bytes rather than by the name or the browser's word. */
const SIGNATURES: { type: string; test: (b: Buffer) => boolean }[] = [
  { type: 'image/jpeg', test: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { type: 'application/pdf', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
];
export const ACCEPTED_TYPES = SIGNATURES.map((s) => s.type);
/** Enough of a file's first bytes for every signature above. */
const HEAD_BYTES = 16;

/**
 * Uploads in progress, a folder per post named after the process (`<pid>-…`), removed when its
 * request is over.
 */
export const UPLOADS_FOLDER = path.join(os.tmpdir(), 'complaint-uploads');

/** How long a post waits for an upload slot before it is asked to come back (503). */
const SLOT_WAIT_MS = 3000;
const BUSY_RETRY_AFTER_SECONDS = 10;
/** A handler still storing the files of a customer who left gets this long before they are deleted anyway. */
const ABANDONED_FILES_MS = 10 * 60_000;

/** A file as the spooling storage leaves it: on disk, with its first bytes for the type check. */
type SpooledFile = Express.Multer.File & { head: Buffer };

const postFolders = new WeakMap<Request, Promise<string>>();

/** Writes each file into its post's folder as it arrives, keeping only its first bytes in memory. */
const spooled: multer.StorageEngine = {
  _handleFile(req, file, callback) {
    const write = async (folder: string) => {
      const filePath = path.join(folder, randomUUID());
      let head = Buffer.alloc(0);
      let size = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(file.stream, measure, createWriteStream(filePath, { flags: 'wx' }));
      return { path: filePath, size, head } as Partial<SpooledFile>;
    };
    postFolders.get(req)!.then(write).then((info) => callback(null, info), callback);
  },
  _removeFile(_req, file, callback) {
    rm(file.path, { force: true }).then(() => callback(null), callback);
  },
};

/** The parser of a form whose files come in `field` (the web form's `attachments`, evidence's `files`). */
const uploadOf = (field: string) =>
  multer({
    storage: spooled,
    defParamCharset: 'utf8', // browsers send UTF-8 file names (a customer's 发票.pdf)
    limits: { files: ATTACHMENT_LIMITS.files, fileSize: ATTACHMENT_LIMITS.fileSize, fields: 40, fieldSize: 20_000, parts: 50 },
  }).array(field, ATTACHMENT_LIMITS.files);

const limitMessage = (code: string, field: string): string | undefined =>
  ({
    LIMIT_FILE_SIZE: `each file must be at most ${ATTACHMENT_LIMITS.fileSize / 1024 / 1024} MB`,
    LIMIT_FILE_COUNT: `at most ${ATTACHMENT_LIMITS.files} files`,
    LIMIT_UNEXPECTED_FILE: `files go in the ${field} field, at most ${ATTACHMENT_LIMITS.files}`,
  })[code];

const uploadProblems = new WeakMap<Request, string>();

export type UploadSettings = Pick<Config, 'UPLOAD_CONCURRENCY' | 'UPLOAD_BYTES_PER_ADDRESS_HOUR'>;

const mebibytes = (bytes: number) => Math.round(bytes / 1024 / 1024);

/**
 * Runs `over` once the request is over: its answer sent, or the customer gone and the handler done
 * with the files (it ends its answer even so), or a long while after the customer left.
 */
function whenOver(res: Response, over: () => void): void {
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(abandoned);
    over();
  };
  let abandoned: NodeJS.Timeout | undefined;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    const result = end(...args);
    if (res.closed) finish();
    return result;
  }) as Response['end'];
  res.once('close', () => {
    if (res.writableEnded || res.headersSent) return finish();
    // The customer left while the handler may still be storing the files: they stay until it answers.
    abandoned = setTimeout(finish, ABANDONED_FILES_MS).unref();
  });
}

/**
 * Parses a multipart form with up to five files in `field` (`attachments` by default), spilling them to a folder of the post's
 * own that is removed when the request is over. At most `UPLOAD_CONCURRENCY` posts are parsed at
 * once; one that gets no slot within a short wait is answered 503. An address that stored
 * `UPLOAD_BYTES_PER_ADDRESS_HOUR` within the hour is answered 429; only posts that were answered
 * without an error count. A broken size or count limit does not end the request: the handler's
 * `acceptedAttachments` reports it as the files field's error, so that the form can show it
 * beside the field with the rest of what the customer typed.
 */
export function createMultipartForm(settings: UploadSettings, field = 'attachments'): RequestHandler {
  const upload = uploadOf(field);
  const slots = new UploadSlots(settings.UPLOAD_CONCURRENCY);
  const hourly = new HourlyUploads(settings.UPLOAD_BYTES_PER_ADDRESS_HOUR);
  const overBudget = (res: Response, seconds: number) =>
    res
      .status(429)
      .set('retry-after', String(seconds))
      .type('text')
      .send(`附件上传已达上限：同一网络地址每小时最多上传 ${mebibytes(hourly.limit)} MB，请稍后再试。Too many attachments from this address: at most ${mebibytes(hourly.limit)} MB an hour; please try again later.`);

  return (req, res, next) => {
    if (!req.is('multipart')) return next();
    const address = ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '');
    // An address at its hour's bytes is answered before its body is read (Node drains it).
    const full = hourly.wait(address, 1);
    if (full) return overBudget(res, full);

    void slots.take(SLOT_WAIT_MS, res).then((release) => {
      if (!release) {
        if (res.closed) return;
        res
          .status(503)
          .set('retry-after', String(BUSY_RETRY_AFTER_SECONDS))
          .type('text')
          .send('系统繁忙，请稍后再试。The server is busy receiving other uploads: please try again in a few seconds.');
        return;
      }
      let takeBack: (() => void) | undefined;
      const folder = mkdir(UPLOADS_FOLDER, { recursive: true }).then(() => mkdtemp(path.join(UPLOADS_FOLDER, `${process.pid}-`)));
      postFolders.set(req, folder);
      whenOver(res, () => {
        release();
        // A post answered with an error stored nothing: its bytes do not count.
        if (res.statusCode >= 400) takeBack?.();
        folder.then((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })).catch(() => undefined);
      });
      folder.then(
        () =>
          upload(req, res, (error: unknown) => {
            release();
            // A body the multipart parser cannot read (no boundary, a cut-off or malformed part) is
            // the client's mistake: 400, never a server error.
            if (error && !(error instanceof multer.MulterError)) return next(isMalformedMultipart(error) ? new HttpError(400, 'invalid_multipart', 'The form is not valid multipart/form-data', [{ path: field, message: (error as Error).message }]) : error);
            if (error instanceof multer.MulterError) {
              uploadProblems.set(req, limitMessage(error.code, field) ?? error.message);
              req.files = [];
              req.body ??= {};
              return next();
            }
            const bytes = ((req.files as Express.Multer.File[] | undefined) ?? []).reduce((sum, file) => sum + file.size, 0);
            const wait = hourly.wait(address, bytes);
            if (wait) return overBudget(res, wait);
            if (bytes) takeBack = hourly.add(address, bytes);
            next();
          }),
        next,
      );
    });
  };
}

/** Busboy's words for a body it cannot parse. */
const isMalformedMultipart = (error: unknown) => error instanceof Error && /^(Multipart: |Unexpected end of |Malformed )/.test(error.message);

/** The uploaded files as attachments, or a 400 naming each file whose content is not an accepted type, at the files' field. */
export function acceptedAttachments(req: Request, field = 'attachments'): NewAttachment[] {
  const attachments: NewAttachment[] = [];
  const problems: { path: string; message: string }[] = [];
  const limit = uploadProblems.get(req);
  if (limit) problems.push({ path: field, message: limit });
  for (const file of (req.files as SpooledFile[] | undefined) ?? []) {
    if (file.size === 0) continue; // an empty file input
    const type = SIGNATURES.find((s) => s.test(file.head))?.type;
    if (!type) problems.push({ path: field, message: `${file.originalname}: only JPEG, PNG, WebP photos and PDF documents are accepted` });
    else attachments.push({ filename: safeName(file.originalname), contentType: type, path: file.path, size: file.size });
  }
  if (problems.length) throw invalidFields(problems);
  return attachments;
}

/** Keeps the customer's file name readable and harmless in a download header. */
function safeName(name: string): string {
  return name.replace(/[\\/\r\n"\u0000-\u001f]/g, '_').slice(0, 200) || 'attachment';
}

/**
 * What an Idempotency-Key's fingerprint covers for a multipart post: the text fields and each
 * file's name and content (of the `field`), so that the same key with other files is another
 * request (422), not a replay. The route reads the text fields from `req.body.fields` after it.
 */
export function fingerprintFiles(field: string): RequestHandler {
  return (req, _res, next) => {
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    Promise.all(files.map(async (f) => `${f.originalname}:${createHash('sha256').update(await readFile(f.path)).digest('hex')}`)).then((digests) => {
      req.body = { fields: req.body ?? {}, [field]: digests };
      next();
    }, next);
  };
}
