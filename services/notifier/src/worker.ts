import net from 'node:net';
import nodemailer from 'nodemailer';
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import type { Connection as MongoConnection } from 'mongoose';
import type { Config } from '@complaints/shared';
import type { Logger } from '@complaints/runtime';
import { createDigestActivities, createModels, createNotificationActivities } from '@complaints/activities';
import { loadTemplates } from './templates';
import { createRecipientResolver } from './recipients';

/**
 * How long each wait on the SMTP server may last. The send activity has 1 minute to close
 * (workflows/src/schedules.ts notifier()): a relay that accepts connections and then stops
 * answering fails the attempt in seconds with an error Temporal retries, instead of holding it
 * until Temporal gives up on it (nodemailer's defaults: 2 minutes to connect, 30 s for the greeting,
 * 10 minutes of a silent socket). `socketTimeout` is per silence, not per message: a reply to each
 * SMTP command within it keeps the exchange going.
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as const;

/**
 * Opens the pool's TCP connections with Nagle's algorithm off. An SMTP exchange is a series of
 * small writes each waiting for the server's answer; with Nagle on, the message's last line waited
 * for the server's delayed ACK (about 40 ms), which capped a connection at about 20 emails a
 * second. TLS (SMTP_SECURE, STARTTLS) is layered on this socket by nodemailer as before.
 */
function noDelaySocket(options: { host?: string; port?: number; connectionTimeout?: number }, callback: (error: Error | null, socketOptions?: { connection: net.Socket }) => void): void {
  const socket = net.connect({ host: options.host, port: options.port! });
  socket.setNoDelay(true);
  // Connecting is ours to bound: nodemailer's connectionTimeout does not cover a socket it is handed.
  socket.setTimeout(options.connectionTimeout ?? SMTP_TIMEOUTS.connectionTimeout, () => socket.destroy(Object.assign(new Error(`SMTP connection to ${options.host}:${options.port} timed out`), { code: 'ETIMEDOUT' })));
  socket.once('error', callback);
  socket.once('connect', () => {
    socket.setTimeout(0);
    socket.removeListener('error', callback);
    callback(null, { connection: socket });
  });
}

export function createTransport(config: Config) {
  // Pooled: one SMTP connection serves many emails (SPEC §5 delivery).
  return nodemailer.createTransport({
    pool: true,
    getSocket: noDelaySocket,
    maxConnections: 5,
    ...SMTP_TIMEOUTS,
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    auth: config.SMTP_USER ? { user: config.SMTP_USER, pass: config.SMTP_PASS } : undefined,
    // A local sink has no certificate worth checking; production relays set SMTP_SECURE.
    tls: { rejectUnauthorized: config.SMTP_SECURE },
  });
}

export async function createNotifierWorker(deps: { config: Config; connection: NativeConnection; mongo: MongoConnection; transport: ReturnType<typeof createTransport>; logger: Logger }) {
  const { config } = deps;
  const models = createModels(deps.mongo);
  const activities = createNotificationActivities({
    models,
    transport: deps.transport,
    from: config.MAIL_FROM,
    render: loadTemplates({ baseUrl: config.PUBLIC_BASE_URL }),
    resolveRecipients: createRecipientResolver({ models, coordinatorEmail: config.COORDINATOR_EMAIL, warn: (message) => deps.logger.warn(message) }),
  });
  return Worker.create({
    connection: deps.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE_NOTIFICATIONS,
    activities: { ...activities, ...createDigestActivities({ models, sendNotification: activities.sendNotification }) },
  });
}
