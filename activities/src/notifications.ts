import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Language, NotificationData, NotificationRequest, NotificationResult, RecipientRef, TemplateName } from '@complaints/shared';
import type { Models } from './store/models';

export interface Recipient {
  email: string;
  language: Language;
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
  render(template: TemplateName, language: Language, data: NotificationData): RenderedEmail;
  resolveRecipients(refs: RecipientRef[]): Promise<Recipient[]>;
}

/** SMTP reply codes 5xx are permanent: retrying cannot help (bad address, rejected content). */
function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function createNotificationActivities(deps: NotificationDeps) {
  const { models, transport } = deps;
  /**
   * Sends one email per recipient, each at most once: the per-recipient key is recorded after
   * SMTP accepted the message, and a key already recorded as sent is skipped on retry or replay.
   * Remaining window: a crash after SMTP accepted but before the record is written resends once;
   * the deterministic Message-ID lets a mailbox recognise that duplicate.
   */
  async function sendNotification(request: NotificationRequest): Promise<NotificationResult> {
    const recipients = await deps.resolveRecipients(request.recipients);
    const result: NotificationResult = { sent: 0, alreadySent: 0 };
    const refused: { address: string; subject: string; error: string }[] = [];
    for (const recipient of recipients) {
      const key = `${request.key}:${recipient.email}`;
      const previous = await models.Notification.findById(key).lean();
      if (previous?.status === 'sent' || previous?.status === 'undeliverable') {
        result.alreadySent += 1;
        continue;
      }
      const email = deps.render(request.template, recipient.language, request.data);
      const messageId = `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@complaints.local>`;
      const record = (fields: Record<string, unknown>) =>
        models.Notification.updateOne({ _id: key }, { $set: { template: request.template, to: recipient.email, language: recipient.language, ...fields }, $inc: { attempts: 1 } }, { upsert: true });
      try {
        await transport.sendMail({ from: deps.from, to: recipient.email, ...email, messageId, headers: { 'X-Notification-Key': key } });
      } catch (error) {
        if (!isPermanentSmtpFailure(error)) throw error; // transient: Temporal retries with backoff
        // Refused for good: recorded, and the other recipients still get theirs.
        await record({ status: 'undeliverable', error: String((error as Error).message) });
        refused.push({ address: recipient.email, subject: email.subject, error: String((error as Error).message) });
        continue;
      }
      await record({ status: 'sent', messageId, sentAt: new Date() });
      result.sent += 1;
    }
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
