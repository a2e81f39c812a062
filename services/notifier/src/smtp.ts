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
 * The pool's TCP connections with Nagle's algorithm off. An SMTP exchange is a series of small
 * writes each waiting for the server's answer; with Nagle on, the message's last line waits for
 * the server's delayed ACK (about 40 ms), which caps a connection at about 20 emails a second: too
 * few for the morning digests. The socket is handed over unconnected: nodemailer connects it under
 * its own connection timeout and error handling, so that a relay that is down fails the attempt and
 * frees the pool's slot. (A socket handed over after a failed connect was never given back to the
 * pool: five failures during an outage left no slot, and every later send waited forever.)
 */
function noDelaySocket(_options: unknown, callback: (error: Error | null, socketOptions?: { socket: net.Socket }) => void): void {
  const socket = new net.Socket();
  socket.setNoDelay(true);
  callback(null, { socket });
}

export function createTransport(config: Config) {
  // Pooled: one SMTP connection serves many emails (SPEC §5 delivery).
  return nodemailer.createTransport({
    pool: true,
    // Implicit TLS (SMTP_SECURE, port 465) is negotiated by nodemailer on a socket of its own.
    ...(!config.SMTP_SECURE && { getSocket: noDelaySocket }),
    // At the cutoff hundreds of overdue notices (three emails each) fall due at once: ten
    // connections send them side by side (measured: twice the emails a second of five, bench
    // burst), still few for a relay (Postfix admits 50 from one client by default); each keeps
    // going for a thousand messages instead of nodemailer's hundred, so a burst does not reconnect
    // every few seconds.
    maxConnections: 10,
    maxMessages: 1000,
    ...SMTP_TIMEOUTS,
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    auth: config.SMTP_USER ? { user: config.SMTP_USER, pass: config.SMTP_PASS } : undefined,
    // The relay's password crosses an encrypted connection only: with one set, a relay that offers
    // no STARTTLS is refused before the password is sent (SMTP_SECURE: TLS from the first byte).
    requireTLS: Boolean(config.SMTP_PASS) && !config.SMTP_SECURE,
    // Whenever TLS is used (STARTTLS is taken when offered), the relay's certificate is verified:
    // emails name complaints and dealers. A relay with a certificate of a private CA: give Node
    // the CA with NODE_EXTRA_CA_CERTS. The local sink (maildev) offers no STARTTLS.
    tls: { rejectUnauthorized: true },
  });
}

export type Transport = ReturnType<typeof createTransport>;
