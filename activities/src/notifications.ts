import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { policyInForce, type Language, type NotificationData, type NotificationRequest, type NotificationResult, type Policy, type RecipientRef, type TemplateName } from '@complaints/shared';
import { shippedPolicies } from '@complaints/runtime/src/rules';
import type { Models } from './store/models';
import { loadPolicies } from './store/rules';

export interface Recipient {
  email: string;
  language: Language;
  /** The customer's name for the greeting, read from the submission as the email is sent; staff have none. */
  name?: string;
  /**
   * Who the email is recorded as (its key, its record, a report that it was refused) when that must
   * not be the address: a customer is recorded by complaint number, so that the address stays in
   * the submission alone (SPEC §7) and never reaches a staff email or the workflow's history.
   */
  recordAs?: string;
}

/** What an email is rendered with besides the workflow's data. */
export interface RenderContext {
  /** The policy whose numbers the email states: the complaint's own version (SPEC §4). */
  policy?: Policy;
  recipient?: Recipient;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** The part of a nodemailer transporter the activity uses. */
export interface MailTransport {
  sendMail(message: {
    from: string;
    to: string;
    subject: string;
    text: string;
    html: string;
    messageId: string;
    headers: Record<string, string>;
  }): Promise<{ messageId?: string }>;
}

export interface NotificationDeps {
  models: Models;
  transport: MailTransport;
  from: string;
  render(template: TemplateName, language: Language, data: NotificationData, context: RenderContext): RenderedEmail;
  resolveRecipients(refs: RecipientRef[]): Promise<Recipient[]>;
  /** Now, for the policy in force when an email names no version (a digest); the real clock by default. */
  now?: () => Date;
}

/** How long the policies read are trusted for "the policy in force now": a newly loaded version takes effect within it. */
const POLICIES_FRESH_MS = 60_000;

/**
 * The policy an email states its numbers from (SPEC §4: every number is the policy's, and a
 * complaint keeps the version it was received under): the version the workflow names in the data
 * (`policyVersion`); without one, the policy in force at the complaint's receipt, or now (a
 * digest). Versions never change once loaded, so they are read once and kept; the shipped default
 * stands in while the database holds none (a notifier started before intake seeded the rules).
 */
export function createPolicySource(models: Models, now: () => Date = () => new Date()) {
  let cached: { policies: Policy[]; readAt: number } | undefined;
  async function policies(fresh: boolean): Promise<Policy[]> {
    if (!cached || fresh || now().getTime() - cached.readAt > POLICIES_FRESH_MS) {
      const stored = await loadPolicies(models);
      const shipped = shippedPolicies().filter((p) => !stored.some((s) => s.version === p.version));
      cached = { policies: [...stored, ...shipped], readAt: now().getTime() };
    }
    return cached.policies;
  }
  return async function policyFor(data: NotificationData): Promise<Policy> {
    const version = typeof data.policyVersion === 'string' && data.policyVersion ? data.policyVersion : undefined;
    if (version) {
      const known = (await policies(false)).find((p) => p.version === version) ?? (await policies(true)).find((p) => p.version === version);
      if (known) return known;
    }
    const receivedAt = typeof data.receivedAt === 'string' && data.receivedAt ? new Date(data.receivedAt) : undefined;
    const all = await policies(false);
    if (receivedAt && !Number.isNaN(receivedAt.getTime())) {
      try {
        return policyInForce(all, receivedAt);
      } catch {
        // received before any policy: the one in force now
      }
    }
    return policyInForce(all, now());
  };
}

/** SMTP reply codes 5xx are permanent: retrying cannot help (bad address, rejected content). */
function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** An SMTP server's words with an address taken out, however the server spelled its case. */
export function withoutAddress(text: string, address: string, instead: string): string {
  return text.replace(new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), instead);
}

/**
 * Writes the emails' records together: while one write is at the database the records of the emails
 * accepted meanwhile wait and go as one bulk write (at the cutoff hundreds of emails are accepted
 * within a second, and the database writes one at a time). Each email's activity still waits for
 * its own record before it completes, so a record is never lost to a batch; one that fails fails
 * its email alone, which Temporal retries.
 */
const RECORD_BATCH = 200;
function notificationRecords(models: Models) {
  const queue: { key: string; fields: Record<string, unknown>; settle: (error?: unknown) => void }[] = [];
  let writing = false;
  async function write(): Promise<void> {
    writing = true;
    while (queue.length) {
      const batch = queue.splice(0, RECORD_BATCH);
      try {
        await models.Notification.bulkWrite(
          batch.map((b) => ({ updateOne: { filter: { _id: b.key }, update: { $set: b.fields, $inc: { attempts: 1 } }, upsert: true } })),
          { ordered: false },
        );
        batch.forEach((b) => b.settle());
      } catch (error) {
        const writeErrors = (error as { writeErrors?: { index: number; errmsg?: string }[] }).writeErrors;
        const failed = Array.isArray(writeErrors) ? new Map(writeErrors.map((e) => [e.index, new Error(e.errmsg ?? 'the email’s record was not written')])) : undefined;
        batch.forEach((b, i) => b.settle(failed ? failed.get(i) : error));
      }
    }
    writing = false;
  }
  return (key: string, fields: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ key, fields, settle: (error) => (error ? reject(error) : resolve()) });
      if (!writing) void write();
    });
}

/**
 * How often a running send tells Temporal it is alive: well within the send's heartbeat timeout
 * (workflows/src/schedules.ts), after which Temporal takes an attempt that never reached a notifier
 * as lost and tries again. A send over before the first beat (nearly all) costs no heartbeat.
 */
const SEND_HEARTBEAT_MS = 5_000;

/**
 * Heartbeats while a send runs as an activity, and says whether Temporal has given the attempt up
 * (it timed out, and another attempt may be sending): such an attempt sends nothing more. Called
 * elsewhere (the bench's send rate), it does neither.
 */
function keepAlive(): { stop(): void; abandoned(): boolean } {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return { stop: () => undefined, abandoned: () => false };
  }
  const timer = setInterval(() => context.heartbeat(), SEND_HEARTBEAT_MS);
  return { stop: () => clearInterval(timer), abandoned: () => context.cancellationSignal.aborted };
}

export function createNotificationActivities(deps: NotificationDeps) {
  const { models, transport } = deps;
  const policyFor = createPolicySource(models, deps.now);
  const recordTogether = notificationRecords(models);
  /**
   * Sends one email per recipient, each at most once: the per-recipient key is recorded after
   * SMTP accepted the message, and a key already recorded as sent is skipped on retry or replay.
   * Remaining window: a crash after SMTP accepted but before the record is written resends once;
   * the deterministic Message-ID lets a mailbox recognise that duplicate. A worker stalled past the
   * heartbeat timeout mid-send could have its attempt retried while it still sends: one more window
   * of the same kind, far less likely than a task lost under load.
   */
  async function sendNotification(request: NotificationRequest): Promise<NotificationResult> {
    const attempt = keepAlive();
    try {
      return await send(request, attempt.abandoned);
    } finally {
      attempt.stop();
    }
  }

  async function send(request: NotificationRequest, abandoned: () => boolean): Promise<NotificationResult> {
    const recipients = await deps.resolveRecipients(request.recipients);
    const result: NotificationResult = { sent: 0, alreadySent: 0 };
    const refused: { address: string; subject: string; error: string }[] = [];
    let policy: Promise<Policy> | undefined;
    /** One recipient's email: skipped when sent before, else sent and recorded; a transient failure throws. */
    async function deliver(recipient: Recipient): Promise<void> {
      const to = recipient.recordAs ?? recipient.email;
      const key = `${request.key}:${to}`;
      const previous = await models.Notification.findById(key).lean();
      if (previous?.status === 'sent' || previous?.status === 'undeliverable') {
        result.alreadySent += 1;
        return;
      }
      const email = deps.render(request.template, recipient.language, request.data, { policy: await (policy ??= policyFor(request.data)), recipient });
      const messageId = `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@complaints.local>`;
      const record = (fields: Record<string, unknown>) => recordTogether(key, { template: request.template, to, language: recipient.language, ...fields });
      if (abandoned()) throw new Error('the attempt was given up by Temporal, which tries the send again: nothing sent');
      try {
        await transport.sendMail({ from: deps.from, to: recipient.email, ...email, messageId, headers: { 'X-Notification-Key': key } });
      } catch (error) {
        // The server's answer may quote the address: a customer's stays out of the record, the report
        // and the activity's failure (which Temporal keeps in the workflow's history).
        const reason = recipient.recordAs ? withoutAddress(String((error as Error).message), recipient.email, recipient.recordAs) : String((error as Error).message);
        if (!isPermanentSmtpFailure(error)) throw reason === (error as Error).message ? error : new Error(reason); // transient: Temporal retries with backoff
        // Refused for good: recorded, and the other recipients still get theirs.
        await record({ status: 'undeliverable', error: reason });
        refused.push({ address: to, subject: email.subject, error: reason });
        return;
      }
      await record({ status: 'sent', messageId, sentAt: new Date() });
      result.sent += 1;
    }
    // The recipients' emails go side by side (the transport's pool sends them over its connections):
    // a notice to a dealer, its regional manager and the coordinator takes the time of one email, not
    // three, when hundreds fall due at once (every closure deadline of a day is at the cutoff). Each
    // is recorded as it is accepted, so a retry after one failed sends only what is still missing.
    const outcomes = await Promise.allSettled(recipients.map(deliver));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    if (refused.length && request.template !== 'undeliverable') {
      // SPEC §5: reported to the coordinator (never a report of a report: no loop on a bad coordinator address).
      const number = typeof request.data.number === 'string' ? request.data.number : '';
      for (const failure of refused) {
        await sendNotification({ key: `${request.key}:undeliverable:${failure.address}`, template: 'undeliverable', recipients: [{ role: 'coordinator' }], data: { number, ...failure } });
      }
    }
    if (refused.length) {
      // Non-retryable: the workflow records it in the complaint's history and goes on.
      throw ApplicationFailure.nonRetryable(`undeliverable: ${refused.map((r) => r.address).join(', ')}`, 'Undeliverable');
    }
    return result;
  }
  return { sendNotification };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
