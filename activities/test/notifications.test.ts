import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { MockActivityEnvironment } from '@temporalio/testing';
import { loadTemplates } from '@complaints/notifier/src/templates';
import { createRecipientResolver } from '@complaints/notifier/src/recipients';
import { createNotificationActivities, saveDirectory } from '../src';
import { useTestDatabase } from '../../test/database';
import { address, mailbox, testDirectory } from '../../test/support';

describe('sending a notification (real FerretDB and SMTP sink)', () => {
  const { config, models } = useTestDatabase();
  const tag = config.TASK_QUEUE_COMPLAINTS.replace('complaints-', 'notify');
  let activities: ReturnType<typeof createNotificationActivities>;

  beforeAll(async () => {
    await saveDirectory(models(), testDirectory(tag));
    activities = createNotificationActivities({
      models: models(),
      transport: nodemailer.createTransport({ host: '127.0.0.1', port: config.SMTP_PORT }),
      from: config.MAIL_FROM,
      render: loadTemplates({ baseUrl: config.PUBLIC_BASE_URL }),
      resolveRecipients: createRecipientResolver({ models: models(), coordinatorEmail: config.COORDINATOR_EMAIL, warn: () => undefined }),
    });
  });

  const request = (key: string) => ({
    key,
    template: 'closure_overdue' as const,
    recipients: [{ dealerCode: 'SH002' }, { region: 'east' }, { role: 'coordinator' as const }, { dealerCode: 'SH002' }],
    data: { number: 'C20990202-0001', kind: 'complaint', category: 'parts_supply', severity: 'minor', channel: 'hotline', dealerCode: 'SH002', receivedAt: '2099-02-02T01:00:00Z', closureDeadline: '2099-02-09T16:30:00+08:00' },
  });

  it('sends each recipient one email in its language, and nothing again when the activity is retried', async () => {
    const first = await activities.sendNotification(request('C20990202-0001:closure-overdue'));
    expect(first).toEqual({ sent: 3, alreadySent: 0 });
    const retried = await activities.sendNotification(request('C20990202-0001:closure-overdue'));
    expect(retried).toEqual({ sent: 0, alreadySent: 3 });

    const emails = await mailbox.about('C20990202-0001');
    expect(emails.map((m) => m.to[0]!.address).sort()).toEqual([address('coordinator', tag), address('rm-east', tag), address('sh002', tag)].sort());
    // SH002 reads English (the directory says so); the others Chinese.
    expect(emails.find((m) => m.to[0]!.address === address('sh002', tag))!.subject).toBe('[Closure overdue] C20990202-0001: past the closure deadline 09 Feb 2099, 16:30 Beijing time');
    expect(emails.find((m) => m.to[0]!.address === address('coordinator', tag))!.subject).toContain('【闭环超时】C20990202-0001');
    // A deterministic Message-ID per key and recipient lets a mailbox spot the one duplicate a crash could cause.
    expect(new Set(emails.map((m) => m.headers['x-notification-key'])).size).toBe(3);
    expect(await models().Notification.countDocuments({ status: 'sent' })).toBe(3);
  });

  it('tells Temporal it is alive while a slow relay takes its time, so that the send is not taken for lost', async () => {
    // A relay (real SMTP server) that takes 8 s to accept each message: past the send's heartbeat interval.
    const relay = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => setTimeout(() => callback(), 8_000));
      },
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const slow = createNotificationActivities({
        models: models(),
        transport: nodemailer.createTransport({ host: '127.0.0.1', port: (relay.server.address() as AddressInfo).port }),
        from: config.MAIL_FROM,
        render: loadTemplates({ baseUrl: config.PUBLIC_BASE_URL }),
        resolveRecipients: createRecipientResolver({ models: models(), coordinatorEmail: config.COORDINATOR_EMAIL, warn: () => undefined }),
      });
      // The SDK's activity context, as the notifier's worker gives it: the heartbeats it receives.
      const activity = new MockActivityEnvironment();
      let beats = 0;
      activity.on('heartbeat', () => beats++);
      expect(await activity.run(slow.sendNotification, request('C20990202-0002:closure-overdue'))).toEqual({ sent: 3, alreadySent: 0 });
      expect(beats).toBeGreaterThanOrEqual(1);
      const beatsAtEnd = beats;
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(beats).toBe(beatsAtEnd); // none once the send is over
    } finally {
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  }, 40_000);

  it('sends nothing in an attempt Temporal has given up, which another attempt may be sending', async () => {
    const activity = new MockActivityEnvironment();
    activity.cancel('TIMED_OUT');
    await expect(activity.run(activities.sendNotification, request('C20990202-0003:closure-overdue'))).rejects.toThrow(/given up/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await mailbox.about('C20990202-0003')).toEqual([]);
    expect(await models().Notification.countDocuments({ _id: /^C20990202-0003:/ })).toBe(0);
  });
});
