import net from 'node:net';
import nodemailer from 'nodemailer';
import type { Config } from '@complaints/shared';

// The SMTP relay the notifier sends through (SPEC §5 delivery).

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
 * small writes each waiting for the server's answer; with Nagle on, the message's last line waits
 * for the server's delayed ACK (about 40 ms), which caps a connection at about 20 emails a second:
 * too few for the morning digests. TLS (SMTP_SECURE, STARTTLS) is layered on this socket by nodemailer.
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

export type Transport = ReturnType<typeof createTransport>;
