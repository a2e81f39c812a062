// Helpers for tests that use the real servers started by test/globalSetup.ts.
import { createHash, randomUUID } from 'node:crypto';
import { loadConfig, type Config, type Directory } from '@complaints/shared';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (test/globalSetup.ts starts the servers)`);
  return value;
}

/**
 * The tests' own payload keys (never a deployment's): fixed, so that the histories a test records
 * (workflows/test/histories/) replay in later runs. `test-2025` stands for a key rotated out of
 * writing, still listed for reading.
 */
export const TEST_PAYLOAD_KEYS = {
  PAYLOAD_KEYS: `test-2025:${createHash('sha256').update('complaints test payload key 2025').digest('base64')},test-2026:${createHash('sha256').update('complaints test payload key 2026').digest('base64')}`,
  PAYLOAD_KEY_ID: 'test-2026',
};

/**
 * A configuration pointing at the test servers, with a database and task queues of its own so that
 * test files running in parallel never see each other's complaints or tasks. Workflow ids share
 * the Temporal server, though: test files that start complaints use receipt dates of their own,
 * so that their numbers (complaint-<number>) never meet.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = randomUUID().slice(0, 8);
  return loadConfig({
    TEMPORAL_ADDRESS: required('TEST_TEMPORAL_ADDRESS'),
    MONGO_URL: `${required('TEST_MONGO_URL')}/test_${id}`,
    SMTP_PORT: required('TEST_SMTP_PORT'),
    TASK_QUEUE_COMPLAINTS: `complaints-${id}`,
    TASK_QUEUE_NOTIFICATIONS: `notifications-${id}`,
    TASK_QUEUE_REPORTING: `reporting-${id}`,
    COORDINATOR_EMAIL: `coordinator-${id}@aftersales.test`,
    AUTH_SECRET: 'test-auth-secret-0123456789',
    HOTLINE_SECRET: 'test-hotline-secret-0123456789',
    ...TEST_PAYLOAD_KEYS,
    LOG_LEVEL: 'silent',
    PUBLIC_RATE_LIMIT: '1000',
    ...overrides,
  });
}

export interface SinkEmail {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string }[];
  headers: Record<string, string>;
}

/** Reads messages back from the maildev SMTP sink's HTTP API. */
export const mailbox = {
  async all(): Promise<SinkEmail[]> {
    const res = await fetch(`${required('TEST_MAIL_API_URL')}/email`);
    if (!res.ok) throw new Error(`maildev answered ${res.status}`);
    return (await res.json()) as SinkEmail[];
  },
  async to(address: string): Promise<SinkEmail[]> {
    return (await this.all()).filter((m) => m.to.some((t) => t.address === address));
  },
  /** The emails about one complaint (its number is in every subject), as `template → recipients`. */
  async about(number: string): Promise<SinkEmail[]> {
    return (await this.all()).filter((m) => m.subject.includes(number));
  },
  /** Waits until `count` emails to `address` have arrived. */
  waitFor(address: string, count = 1, timeoutMs = 20_000): Promise<SinkEmail[]> {
    return eventually(() => this.to(address), (found) => found.length >= count, timeoutMs);
  },
};

export const validComplaint = () => ({
  kind: 'complaint',
  category: 'product_quality',
  customer: { name: '张三', phone: '13800138000' },
  vehicle: { vin: 'LSVAU2180N2183294', plate: '沪A12345' },
  dealerCode: 'SH001',
  description: '发动机异响，维修三次未解决',
  request: '更换发动机',
});

/** Polls `probe` until it returns a value that passes `done`, or returns the last value after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A small directory whose addresses are unique to one test file (`tag`), so mail counts never mix. */
export function testDirectory(tag: string): Directory {
  const mailbox = (local: string, language: 'zh' | 'en' = 'zh') => [{ email: `${local}-${tag}@test.local`, language }];
  return {
    regions: [
      { code: 'east', name: '华东大区', managers: mailbox('rm-east') },
      { code: 'north', name: '华北大区', managers: mailbox('rm-north') },
    ],
    dealers: [
      { code: 'SH001', name: '上海浦东 4S 店', region: 'east', contacts: mailbox('sh001'), serviceStatus: 'active' },
      { code: 'SH002', name: '上海闵行 4S 店', region: 'east', contacts: mailbox('sh002', 'en'), serviceStatus: 'active' },
      { code: 'BJ002', name: '北京海淀 3S 店', region: 'north', contacts: mailbox('bj002'), serviceStatus: 'active' },
    ],
    roles: { coordinator: mailbox('coordinator'), coordinator_head: mailbox('head'), call_center: mailbox('callcenter'), hq: mailbox('hq', 'en') },
  };
}

export const address = (local: string, tag: string) => `${local}-${tag}@test.local`;
