import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const secret = z.string().min(16, 'must be at least 16 characters');

/**
 * The one configuration schema of every service (SPEC §8 gives the local defaults).
 * Read once at start-up with `loadConfig(process.env)`.
 */
export const configSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  INTAKE_PORT: port.default(3000),
  NOTIFIER_PORT: port.default(3001),
  REPORTING_PORT: port.default(3002),
  PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:3000'),
  /** Where staff reach the reporting dashboard (links in the monthly scoring email). */
  REPORTING_BASE_URL: z.url().default('http://127.0.0.1:3002'),

  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
  TASK_QUEUE_COMPLAINTS: z.string().default('complaints'),
  TASK_QUEUE_NOTIFICATIONS: z.string().default('notifications'),
  TASK_QUEUE_REPORTING: z.string().default('reporting'),
  /**
   * Complaint workflows the intake worker keeps in memory between their tasks (about 0.7 GiB for 1,000).
   * One not kept is replayed from its history when its next timer or action comes: slower, not lost.
   */
  WORKFLOW_CACHE_SIZE: z.coerce.number().int().min(0).default(1000),

  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL')
    .default('mongodb://127.0.0.1:27017/complaints'),

  SMTP_HOST: z.string().default('127.0.0.1'),
  SMTP_PORT: port.default(1025),
  SMTP_SECURE: z.stringbool().default(false),
  SMTP_USER: z.string().optional(),
  SMTP_PASS: z.string().optional(),
  MAIL_FROM: z.string().default('"售后服务部 关键客户科" <complaints@aftersales.local>'),
  /** Where the coordinator's emails go while the directory names nobody for the role. */
  COORDINATOR_EMAIL: z.email().default('coordinator@aftersales.local'),

  /** A directory file (shared/directory/demo.json's shape) seeded into an empty database at intake start-up. */
  DIRECTORY_FILE: z.string().optional(),

  /** Anonymous submissions (the public web form) per client address and minute: flood protection. */
  PUBLIC_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  /**
   * Multipart form posts (the public form's photos and documents) parsed at once by one intake
   * process; a post that finds no free slot within a short wait is answered 503 with Retry-After.
   */
  UPLOAD_CONCURRENCY: z.coerce.number().int().min(1).default(8),
  /**
   * Attachment bytes one client address may store in a rolling hour (default 100 MiB): beyond it
   * the form answers 429. Counted in each intake process's memory: behind several processes an
   * address may store this much through each of them.
   */
  UPLOAD_BYTES_PER_ADDRESS_HOUR: z.coerce.number().int().min(1).default(100 * 1024 * 1024),
  /** Behind a reverse proxy: Express's `trust proxy` (hops, or e.g. `loopback`), so the limit sees the client's address. */
  TRUST_PROXY: z.string().regex(/^(\d+|loopback|linklocal|uniquelocal|[0-9a-f.:/, ]+)$/i, 'must be a hop count, loopback, or addresses').optional(),

  /** How often intake starts the workflows of stored complaints whose start was not confirmed (Temporal did not answer). */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  /** A stored complaint still without its workflow after this long is reported to the coordinator, once. */
  PENDING_ALERT_AFTER_MS: z.coerce.number().int().min(0).default(10 * 60_000),

  /** Staff sessions (the sign-in page): minutes without a request after which one ends. */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
  /** Staff sessions: hours after sign-in after which one ends, however busy. */
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).default(12),
  /** Failed sign-ins one account may have in 15 minutes before it is refused for the rest of them. */
  LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  /** Failed sign-ins one client address may have in 15 minutes (any accounts). */
  LOGIN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
  /**
   * Single sign-on with the company's identity provider (OpenID Connect, authorization code with
   * PKCE): its issuer URL. Unset, /login offers passwords only. docs/production.md tells the rest.
   */
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  /** Unset: a public client (PKCE alone), for providers that register intake so. */
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** Where the provider sends staff back; default PUBLIC_BASE_URL + /login/oidc/callback. */
  OIDC_REDIRECT_URI: z.url().optional(),
  OIDC_SCOPES: z.string().default('openid profile'),
  /** Which claims hold the username, name, language, role, dealer and region, and the provider's role names (JSON; runtime/src/oidc.ts). */
  OIDC_CLAIMS: z.string().optional(),
  AUTH_SECRET: secret,
  HOTLINE_SECRET: secret,
  /**
   * The keys that encrypt every payload the workflows exchange in Temporal (AES-256-GCM; 32 random
   * bytes each, base64, e.g. `openssl rand -base64 32`), as `id:base64,id:base64` or a JSON object
   * `{ "id": "base64" }`. A key stays listed as long as a history it wrote may be read (replayed,
   * shown in the Temporal UI): without it those payloads cannot be read.
   */
  PAYLOAD_KEYS: z.string().superRefine((text, ctx) => {
    for (const problem of parsePayloadKeys(text).problems) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** The key of PAYLOAD_KEYS that encrypts new payloads (rotation: add a key, point this at it); may be left out while there is one key. */
  PAYLOAD_KEY_ID: z.string().optional(),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

/** Names of variables whose values must never be printed. */
export const SECRET_VARIABLES = ['AUTH_SECRET', 'HOTLINE_SECRET', 'SMTP_PASS', 'PAYLOAD_KEYS', 'OIDC_CLIENT_SECRET'] as const;

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
// 32 bytes in standard base64: 43 characters and one padding "=" (the last holds 4 bits).
const KEY_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** PAYLOAD_KEYS as key id → base64 key, and what is wrong with it (naming key ids, never a key). */
export function parsePayloadKeys(text: string): { keys: Record<string, string>; problems: string[] } {
  let entries: [string, unknown][];
  if (text.trim().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { keys: {}, problems: ['must be a JSON object of key id → base64 key'] };
      entries = Object.entries(parsed);
    } catch {
      return { keys: {}, problems: ['is not valid JSON'] };
    }
  } else {
    entries = text
      .split(',')
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair) => {
        const colon = pair.indexOf(':');
        return colon < 0 ? [pair, undefined] : [pair.slice(0, colon).trim(), pair.slice(colon + 1).trim()];
      });
  }
  const keys: Record<string, string> = {};
  const problems: string[] = [];
  if (entries.length === 0) problems.push('must list at least one key as id:base64');
  for (const [id, key] of entries) {
    if (!KEY_ID.test(id)) problems.push(key === undefined ? 'must list keys as id:base64' : 'a key id may hold only letters, digits, ".", "_" and "-"');
    else if (id in keys) problems.push(`key ${id} is listed twice`);
    else if (typeof key !== 'string' || !KEY_BASE64.test(key)) problems.push(`key ${id} must be 32 bytes in base64 (e.g. openssl rand -base64 32)`);
    else keys[id] = key;
  }
  return { keys, problems };
}

/**
 * The payload keys and the one that writes: PAYLOAD_KEY_ID, or the only key. Throws a ConfigError
 * naming the setting when they do not fit together.
 */
export function payloadKeyring(config: Pick<Config, 'PAYLOAD_KEYS' | 'PAYLOAD_KEY_ID'>): { keys: Record<string, string>; writeKeyId: string } {
  const { keys, problems } = parsePayloadKeys(config.PAYLOAD_KEYS);
  if (problems.length) throw new ConfigError(problems.map((problem) => `PAYLOAD_KEYS: ${problem}`));
  const ids = Object.keys(keys);
  const writeKeyId = config.PAYLOAD_KEY_ID || (ids.length === 1 ? ids[0] : undefined);
  if (writeKeyId === undefined) throw new ConfigError(['PAYLOAD_KEY_ID: is required when PAYLOAD_KEYS holds several keys']);
  if (!(writeKeyId in keys)) throw new ConfigError(['PAYLOAD_KEY_ID: names no key of PAYLOAD_KEYS']);
  return { keys, writeKeyId };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; a missing or bad value throws a ConfigError naming the variable (never its value). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (result.success) {
    payloadKeyring(result.data); // the writing key must be one of the keys
    return result.data;
  }
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return env[name] === undefined ? `${name}: is required` : `${name}: ${issue.message}`;
    }),
  );
}
