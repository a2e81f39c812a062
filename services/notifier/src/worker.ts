import net from 'node:net';
import nodemailer from 'nodemailer';
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import type { Connection as MongoConnection } from 'mongoose';
import type { Config } from '@complaints/shared';
import type { Logger } from '@complaints/shared/runtime';
import { createDigestActivities, createModels, createNotificationActivities } from '@complaints/activities';
import { loadTemplates } from './templates';
import { createRecipientResolver } from './recipients';

/**
 * Opens the pool's TCP connections with Nagle's algorithm off. An SMTP exchange is a series of
 * small writes each waiting for the server's answer; with Nagle on, the message's last line waited
 * for the server's delayed ACK (about 40 ms), which capped a connection at about 20 emails a
 * second. TLS (SMTP_SECURE, STARTTLS) is layered on this socket by nodemailer as before.
 */
function noDelaySocket(options: { host?: string; port?: number }, callback: (error: Error | null, socketOptions?: { connection: net.Socket }) => void): void {
  const socket = net.connect({ host: options.host, port: options.port! });
  socket.setNoDelay(true);
  socket.setTimeout(10_000, () => socket.destroy(new Error(`SMTP connection to ${options.host}:${options.port} timed out`)));
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
