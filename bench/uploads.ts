// The uploads scenario of `npm run bench`: customers post the public web form at once, each with
// five 5 MB photos (the most the form takes), to the intake service running as its own process
// (as `npm start` runs it, with its complaint worker) on the local Temporal dev server and FerretDB.
//
//   customers    50 posts, each from an address of its own (X-Forwarded-For behind a trusted
//                proxy): the most memory the uploads take, and what the concurrency bound answers;
//   one address  50 posts from a single address: what the per-minute submission limit and the
//                per-address hourly upload budget answer.
//
// Each row reports the intake process's resident memory (RSS, /proc) before the burst, the most
// seen while it lasts (sampled every 20 ms, and the kernel's high-water mark), and after it, with
// the answers counted by status and the wall time until the last one. BENCH_UPLOAD_POSTS changes
// the number of posts.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_DIRECTORY_FILE } from '@complaints/runtime/src/directory';
import { LocalStack } from '../scripts/lib/stack';
import type { Row } from './rows';

const POSTS = Number(process.env.BENCH_UPLOAD_POSTS ?? 50);
const FILES = 5;
const FILE_BYTES = 5 * 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory now and its high-water mark since the process started, in MiB, from /proc. */
function memoryMiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), hwm: Math.round(kb('VmHWM') / 1024) };
}

/** Five photos of the largest size the form takes: JPEG by their first bytes, random after. */
function photos(): Blob[] {
  return Array.from({ length: FILES }, () => {
    const data = randomBytes(FILE_BYTES);
    data.set([0xff, 0xd8, 0xff, 0xe0]);
    return new Blob([data], { type: 'image/jpeg' });
  });
}

interface Burst {
  answers: Record<string, number>;
  seconds: number;
  rssBefore: number;
  rssPeak: number;
  hwm: number;
  rssAfter: number;
}

/** `POSTS` form posts at once, from `address(i)`; the answers by status and the intake's memory meanwhile. */
async function burst(url: string, pid: number, files: Blob[], address: (i: number) => string): Promise<Burst> {
  const rssBefore = memoryMiB(pid).rss;
  let rssPeak = rssBefore;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      rssPeak = Math.max(rssPeak, memoryMiB(pid).rss);
      await sleep(20);
    }
  })();
  const answers: Record<string, number> = {};
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: POSTS }, async (_, i) => {
      const form = new FormData();
      const fields = { kind: 'complaint', 'customer.name': '压测', 'customer.phone': '13800138000', dealerCode: 'SH001', category: 'product_quality', description: '压测：上传照片', formToken: randomUUID() };
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      files.forEach((file, n) => form.append('attachments', file, `照片${n + 1}.jpg`));
      let status: string;
      try {
        const res = await fetch(url, { method: 'POST', body: form, redirect: 'manual', headers: { 'x-forwarded-for': address(i) } });
        await res.arrayBuffer();
        status = String(res.status);
      } catch (error) {
        status = `failed (${(error as Error).message})`;
      }
      answers[status] = (answers[status] ?? 0) + 1;
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  sampling = false;
  await sampler;
  const { rss: rssAfter, hwm } = memoryMiB(pid);
  return { answers, seconds, rssBefore, rssPeak: Math.max(rssPeak, rssAfter), hwm, rssAfter };
}

const summary = (b: Burst) =>
  `answers ${Object.entries(b.answers)
    .sort()
    .map(([status, n]) => `${status}×${n}`)
    .join(' ')}; intake RSS MiB before ${b.rssBefore}, peak ${b.rssPeak} (high-water ${b.hwm}), after ${b.rssAfter}`;

export async function benchUploads(dir: string): Promise<{ rows: Row[]; figures: Record<string, number | string> }> {
  const ports = await LocalStack.freePorts();
  const stack = new LocalStack({
    dataDir: path.join(dir, 'uploads'),
    ports,
    maildev: false,
    // Behind a trusted proxy (loopback), so that each simulated customer has an address of its own.
    env: { ...process.env, AUTH_SECRET: 'bench-uploads-secret-0123456789', HOTLINE_SECRET: 'bench-uploads-hotline-0123456789', DIRECTORY_FILE: DEMO_DIRECTORY_FILE, LOG_LEVEL: 'warn', TRUST_PROXY: 'loopback' },
  });
  try {
    await stack.startServers();
    const pid = (await stack.start('intake')).child.pid!;
    const url = stack.url('intake', '/');
    await (await fetch(url)).arrayBuffer(); // the form once, so that "before" is a served process
    await sleep(2000);
    const files = photos();
    const volume = `${POSTS} posts of ${FILES} × ${FILE_BYTES / 2 ** 20} MB at once`;
    const customers = await burst(url, pid, files, (i) => `198.51.100.${i + 1}`);
    console.log(`uploads: ${volume}, an address each: ${summary(customers)}`);
    await sleep(5000);
    const single = await burst(url, pid, files, () => '203.0.113.7');
    console.log(`uploads: ${volume}, one address: ${summary(single)}`);
    const row = (variant: string, b: Burst): Row => ({ scenario: 'uploads: web form', variant: `${variant}: ${summary(b)}`, operations: POSTS, seconds: Number(b.seconds.toFixed(2)), perSecond: Math.round(POSTS / b.seconds) });
    const figures: Record<string, number | string> = { posts: POSTS, files: FILES, fileBytes: FILE_BYTES };
    for (const [name, b] of [['customers', customers], ['oneAddress', single]] as const) {
      Object.assign(figures, { [`${name}.seconds`]: Number(b.seconds.toFixed(2)), [`${name}.rssBeforeMiB`]: b.rssBefore, [`${name}.rssPeakMiB`]: b.rssPeak, [`${name}.rssHighWaterMiB`]: b.hwm, [`${name}.rssAfterMiB`]: b.rssAfter });
      for (const [status, n] of Object.entries(b.answers)) figures[`${name}.answers.${status}`] = n;
    }
    return { rows: [row(`${volume}, an address each`, customers), row(`${volume}, one address`, single)], figures };
  } finally {
    await stack.stopAll();
  }
}
