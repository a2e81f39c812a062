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
  return {
    /**
     * Sends one email per recipient, each at most once: the per-recipient key is recorded after
     * SMTP accepted the message, and a key already recorded as sent is skipped on retry or replay.
     * Remaining window: a crash after SMTP accepted but before the record is written resends once;
     * the deterministic Message-ID lets a mailbox recognise that duplicate.
     */
    async sendNotification(request: NotificationRequest): Promise<NotificationResult> {
      const recipients = await deps.resolveRecipients(request.recipients);
      const result: NotificationResult = { sent: 0, alreadySent: 0 };
      for (const recipient of recipients) {
        const key = `${request.key}:${recipient.email}`;
        const previous = await models.Notification.findById(key).lean();
        if (previous?.status === 'sent' || previous?.status === 'undeliverable') {
          result.alreadySent += 1;
          continue;
        }
        const email = deps.render(request.template, recipient.language, request.data);
        const messageId = `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@complaints.local>`;
        try {
          await transport.sendMail({
            from: deps.from,
            to: recipient.email,
            ...email,
            messageId,
            headers: { 'X-Notification-Key': key },
          });
        } catch (error) {
          if (isPermanentSmtpFailure(error)) {
            await models.Notification.updateOne(
              { _id: key },
              {
                $set: { template: request.template, to: recipient.email, language: recipient.language, status: 'undeliverable', error: String((error as Error).message) },
                $inc: { attempts: 1 },
              },
              { upsert: true },
            );
            throw ApplicationFailure.nonRetryable(`undeliverable: ${recipient.email}`, 'Undeliverable');
          }
          throw error; // transient: Temporal retries with backoff
        }
        await models.Notification.updateOne(
          { _id: key },
          {
            $set: { template: request.template, to: recipient.email, language: recipient.language, status: 'sent', messageId, sentAt: new Date() },
            $inc: { attempts: 1 },
          },
          { upsert: true },
        );
        result.sent += 1;
      }
      return result;
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
