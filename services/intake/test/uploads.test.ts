import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type Express } from 'express';
import request from 'supertest';
import type { NewAttachment } from '@complaints/activities';
import { listen } from '@complaints/runtime';
import { eventually } from '../../../test/support';
import { acceptedAttachments, createMultipartForm, UPLOADS_FOLDER } from '../src/attachments';
import { useIntakeApp } from './harness';

// Photos and documents posted with the public form: spilled to disk while they arrive, stored one
// at a time, never left behind; the uploads at once and the bytes each address stores are bounded.

// The upload settings of this file's app: one upload at a time, and 12 MiB an hour per address,
// so that a few small posts reach each bound.
const UPLOADS = { UPLOAD_CONCURRENCY: '1', UPLOAD_BYTES_PER_ADDRESS_HOUR: String(12 * 2 ** 20) };
const multipartForm = createMultipartForm({ UPLOAD_CONCURRENCY: 1, UPLOAD_BYTES_PER_ADDRESS_HOUR: 12 * 2 ** 20 });

const MiB = 2 ** 20;
const png = (bytes: number, fill = 7) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(bytes - 8, fill)]);
const PDF = Buffer.from('%PDF-1.4\n% a receipt\n');

const fields = {
  kind: 'complaint',
  'customer.name': '赵六',
  'customer.phone': '13600136000',
  dealerCode: 'SH001',
  category: 'product_quality',
  description: '天窗漏水，照片见附件',
};

/** What this process's uploads left in the temporary folder: each post's folder and the files in it. */
const leftovers = (): string[] =>
  existsSync(UPLOADS_FOLDER)
    ? readdirSync(UPLOADS_FOLDER, { recursive: true })
        .map(String)
        .filter((entry) => entry.startsWith(`${process.pid}-`))
    : [];
/** Files being written for a post still arriving. */
const spooling = () => leftovers().filter((entry) => entry.includes(path.sep));
const nothingLeft = async () => expect(await eventually(async () => leftovers(), (left) => left.length === 0, 5000)).toEqual([]);

/** A form post's body as a browser encodes it. */
async function encode(values: Record<string, string>, files: { name: string; data: Buffer }[]): Promise<{ type: string; body: Buffer }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(values)) form.append(name, value);
  for (const file of files) form.append('attachments', new Blob([file.data]), file.name);
  const encoded = new Response(form);
  return { type: encoded.headers.get('content-type')!, body: Buffer.from(await encoded.arrayBuffer()) };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A post whose first half is sent and then held, as from a customer on a slow connection. */
function heldPost(server: Server, form: { type: string; body: Buffer }, headers: Record<string, string> = {}) {
  const req = http.request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, method: 'POST', path: '/', headers: { 'content-type': form.type, 'content-length': form.body.length, ...headers } });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(form.body.length / 2);
  req.write(form.body.subarray(0, half));
  return {
    finish: () => {
      req.end(form.body.subarray(half));
      return answer;
    },
    leave: () => {
      answer.catch(() => undefined);
      req.destroy();
    },
  };
}

describe('attachments posted with the web form', () => {
  // Form complaints are received "now": this file's now is a date of its own (see the harness).
  // Behind a trusted proxy, so that each test posts from an address of its own.
  const intake = useIntakeApp('uploads', { now: () => new Date('2030-07-21T10:00:00+08:00'), config: { TRUST_PROXY: 'loopback', ...UPLOADS } });
  let server: Server;
  const post = (from: string, values: Record<string, string> = fields, lang = 'zh') => {
    let req = request(server).post(`/?lang=${lang}`).set('x-forwarded-for', from);
    for (const [name, value] of Object.entries(values)) req = req.field(name, value);
    return req;
  };

  beforeAll(async () => {
    server = await listen(intake.app(), 0, '127.0.0.1');
  });
  afterAll(async () => {
    server?.closeAllConnections(); // a held post a failed test left open
    await new Promise((resolve) => server?.close(resolve));
  });

  it('stores each attachment as it arrived, with its size and sha256, and leaves no temporary file', async () => {
    const photo = png(3 * MiB);
    const res = await post('198.51.100.1')
      .attach('attachments', photo, { filename: '天窗.png', contentType: 'image/png' })
      .attach('attachments', PDF, { filename: 'receipt.pdf', contentType: 'application/pdf' })
      .expect(303);
    const number = /\/submitted\/(C20300721-\d{4})/.exec(res.headers.location!)![1]!;
    const stored = await intake.models().Attachment.find({ number }).sort({ _id: 1 }).lean();
    expect(stored.map(({ filename, contentType, size, sha256 }) => ({ filename, contentType, size, sha256 }))).toEqual([
      { filename: '天窗.png', contentType: 'image/png', size: photo.length, sha256: createHash('sha256').update(photo).digest('hex') },
      { filename: 'receipt.pdf', contentType: 'application/pdf', size: PDF.length, sha256: createHash('sha256').update(PDF).digest('hex') },
    ]);
    expect(Buffer.from(stored[0]!.data.buffer).equals(photo)).toBe(true);
    await nothingLeft();
  });

  it('deletes the temporary files when the form comes back with a message', async () => {
    const missingName = await post('198.51.100.2', { ...fields, 'customer.name': '' }).attach('attachments', png(MiB), { filename: 'a.png' }).expect(400);
    expect(missingName.text).toContain('value="13600136000"');
    await nothingLeft();
    const notAPhoto = await post('198.51.100.2').attach('attachments', Buffer.from('MZ\x90\x00 a program'), { filename: 'photo.jpg' }).expect(400);
    expect(notAPhoto.text).toContain('id="e-attachments">photo.jpg：只接受 JPEG、PNG、WebP 照片和 PDF 文档</div>');
    await nothingLeft();
    const tooLarge = await post('198.51.100.2').attach('attachments', png(MiB)).attach('attachments', png(5 * MiB + 1), { filename: 'big.png' }).expect(400);
    expect(tooLarge.text).toContain('<div class="error" id="e-attachments">每个文件不能超过 5 MB</div>');
    expect(tooLarge.text).toContain('value="赵六"');
    await nothingLeft();
    const tooMany = await [1, 2, 3, 4, 5, 6].reduce((req, n) => req.attach('attachments', PDF, { filename: `${n}.pdf` }), post('198.51.100.2', fields, 'en')).expect(400);
    expect(tooMany.text).toContain('<div class="error" id="e-attachments">at most 5 files</div>');
    await nothingLeft();
  });

  it('deletes the files of an upload the customer abandons half-way, and frees its slot', async () => {
    const abandoned = heldPost(server, await encode(fields, [{ name: 'a.png', data: png(2 * MiB) }]), { 'x-forwarded-for': '198.51.100.3' });
    expect(await eventually(async () => spooling(), (files) => files.length > 0, 5000)).toHaveLength(1);
    abandoned.leave();
    await nothingLeft();
    await post('198.51.100.3').attach('attachments', png(MiB), { filename: 'b.png' }).expect(303);
  });

  it('answers a post that finds no upload slot within a short wait with 503 and Retry-After, in both languages', async () => {
    const slow = heldPost(server, await encode(fields, [{ name: 'a.png', data: png(2 * MiB) }]), { 'x-forwarded-for': '198.51.100.4' });
    await eventually(async () => spooling(), (files) => files.length > 0, 5000);
    const busy = await post('198.51.100.5').attach('attachments', png(MiB), { filename: 'b.png' }).expect(503);
    expect(busy.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(busy.text).toContain('系统繁忙');
    expect(busy.text).toContain('please try again');
    expect((await slow.finish()).status).toBe(303);
    await nothingLeft();
  });

  it('lets a post wait briefly for an upload slot', async () => {
    const slow = heldPost(server, await encode(fields, [{ name: 'a.png', data: png(2 * MiB) }]), { 'x-forwarded-for': '198.51.100.6' });
    await eventually(async () => spooling(), (files) => files.length > 0, 5000);
    const waiting = post('198.51.100.7').attach('attachments', png(MiB), { filename: 'b.png' }).then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await slow.finish()).status).toBe(303);
    expect((await waiting).status).toBe(303);
  });

  it('refuses more than the hourly bytes of one address with 429, counting only what was stored', async () => {
    const from = '198.51.100.8';
    await post(from, { ...fields, description: '' }).attach('attachments', png(4 * MiB), { filename: 'refused.png' }).expect(400);
    await post(from).attach('attachments', png(4 * MiB), { filename: '1.png' }).expect(303);
    await post(from).attach('attachments', png(4 * MiB), { filename: '2.png' }).expect(303);
    const over = await post(from).attach('attachments', png(5 * MiB), { filename: '3.png' }).expect(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(3500);
    expect(over.text).toContain('12 MB');
    expect(over.text).toContain('每小时');
    await nothingLeft();
    // What still fits is taken; then nothing more until the hour has passed.
    await post(from).attach('attachments', png(4 * MiB), { filename: '4.png' }).expect(303);
    await post(from).attach('attachments', PDF, { filename: '5.pdf' }).expect(429);
    // Another address has its own hour.
    await post('198.51.100.9').attach('attachments', png(5 * MiB), { filename: '1.png' }).expect(303);
  });
});

describe('the multipart middleware around a handler', () => {
  let server: Server;
  const serve = async (app: Express) => {
    server = await listen(app, 0, '127.0.0.1');
    return server;
  };
  afterEach(async () => {
    server?.closeAllConnections(); // a held post a failed test left open
    await new Promise((resolve) => server?.close(resolve));
  });

  it('deletes the temporary files when the handler fails', async () => {
    const seen: { onDisk: boolean; inMemory: boolean }[] = [];
    const app = express().post('/', multipartForm, (req) => {
      for (const attachment of acceptedAttachments(req)) seen.push({ onDisk: existsSync(attachment.path), inMemory: 'data' in attachment });
      throw new Error('the database went away');
    });
    await request(await serve(app)).post('/').attach('attachments', png(MiB), { filename: 'a.png' }).attach('attachments', PDF, { filename: 'b.pdf' }).expect(500);
    expect(seen).toEqual([
      { onDisk: true, inMemory: false },
      { onDisk: true, inMemory: false },
    ]);
    await nothingLeft();
  });

  it('keeps the files until the handler has stored them when the customer leaves before the answer', async () => {
    let attachments: NewAttachment[] = [];
    let received!: () => void;
    const handlerHasFiles = new Promise<void>((resolve) => (received = resolve));
    let stored!: (contents: PromiseSettledResult<Buffer>[]) => void;
    const storedContents = new Promise<PromiseSettledResult<Buffer>[]>((resolve) => (stored = resolve));
    const app = express().post('/', multipartForm, async (req, res) => {
      attachments = acceptedAttachments(req);
      const customerLeft = new Promise((resolve) => res.once('close', resolve));
      received();
      await customerLeft;
      await new Promise((resolve) => setTimeout(resolve, 200)); // the database is slow to answer
      stored(await Promise.allSettled(attachments.map((a) => readFile(a.path))));
      res.redirect(303, '/submitted');
    });
    const photo = png(MiB, 9);
    const customer = heldPost(await serve(app), await encode(fields, [{ name: 'a.png', data: photo }]));
    void customer.finish().catch(() => undefined);
    await handlerHasFiles;
    customer.leave();
    const contents = await storedContents;
    expect(contents.map((c) => (c.status === 'fulfilled' ? c.value.equals(photo) : c.reason))).toEqual([true]);
    await nothingLeft();
  });
});
