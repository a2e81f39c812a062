import { savePolicy, createNotificationActivities, withoutAddress, type MailTransport } from '@complaints/activities';
import { shippedPolicies } from '@complaints/runtime/src/rules';
import { policySchema, type NotificationRequest } from '@complaints/shared';
import { useTestDatabase } from '../../../test/database';
import { address } from '../../../test/support';
import { loadTemplates } from '../src/templates';
import { createRecipientResolver } from '../src/recipients';

type Sent = Parameters<MailTransport['sendMail']>[0];

// The send activity as the notifier wires it, on a real database: the numbers an email states come
// from the complaint's own policy version, and a customer's email goes to the address in the
// submission, which stays there.
describe('sending an email', () => {
  const { config, models } = useTestDatabase({ rules: true, directory: 'sending' });
  const tag = 'sending';
  const sent: Sent[] = [];
  // A relay that refuses addresses starting with `bounce-` for good, quoting the address as relays do.
  const transport: MailTransport = {
    async sendMail(message) {
      if (message.to.startsWith('bounce-')) throw Object.assign(new Error(`Can't send mail - all recipients were rejected: 550 5.1.1 <${message.to}>: mailbox unavailable`), { responseCode: 550 });
      sent.push(message);
      return { messageId: message.messageId };
    },
  };
  let activities: ReturnType<typeof createNotificationActivities>;

  beforeAll(async () => {
    const defaults = shippedPolicies().find((p) => p.version === '2025.1')!;
    // A later policy, with other numbers: in force for complaints received from 2090.
    await savePolicy(models(), policySchema.parse({ ...defaults, version: '2090.1', effectiveFrom: '2090-01-01T00:00:00+08:00', escalationMonths: 6, contact: { hours: 30 } }));
    activities = createNotificationActivities({
      models: models(),
      transport,
      from: config.MAIL_FROM,
      render: loadTemplates({ baseUrl: config.PUBLIC_BASE_URL }),
      resolveRecipients: createRecipientResolver({ models: models(), coordinatorEmail: config.COORDINATOR_EMAIL, warn: () => undefined }),
    });
  });
  beforeEach(() => sent.splice(0));

  const complaintData = { kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'hotline', dealerCode: 'SH001', region: 'east', closureDeadline: '', replyDue: '' };
  const escalation = (number: string, data: Record<string, string>): NotificationRequest => ({
    key: `${number}:escalation`,
    template: 'escalation',
    recipients: [{ role: 'hq' }],
    data: { number, ...complaintData, ...data },
  });

  it('states the numbers of the policy version the complaint runs on', async () => {
    // Received under the later policy, but its workflow says it runs on the defaults: the defaults win.
    await activities.sendNotification(escalation('C20950301-0001', { receivedAt: '2095-03-01T02:00:00Z', policyVersion: '2025.1' }));
    await activities.sendNotification(escalation('C20950301-0002', { receivedAt: '2095-03-01T02:00:00Z', policyVersion: '2090.1' }));
    expect(sent.map((m) => m.subject)).toEqual(['[Open for 3 months: escalated] C20950301-0001', '[Open for 6 months: escalated] C20950301-0002']);
  });

  it('uses the policy in force at receipt when the workflow names no version', async () => {
    await activities.sendNotification(escalation('C20950301-0003', { receivedAt: '2095-03-01T02:00:00Z' }));
    await activities.sendNotification(escalation('C20300301-0001', { receivedAt: '2030-03-01T02:00:00Z' }));
    expect(sent.map((m) => m.subject)).toEqual(['[Open for 6 months: escalated] C20950301-0003', '[Open for 3 months: escalated] C20300301-0001']);
  });

  it('sends the recipients of one notice side by side, and a retry after one failed sends only the one still missing', async () => {
    // At the cutoff hundreds of overdue notices (dealer, regional manager, coordinator) fall due at
    // once: a notice's three emails go over the pool together, not one after another.
    let inFlight = 0;
    let most = 0;
    let refuseOnce = true;
    const relay: MailTransport = {
      async sendMail(message) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        if (message.to === address('rm-east', tag) && refuseOnce) {
          refuseOnce = false;
          throw Object.assign(new Error('421 4.7.0 try again later'), { responseCode: 421 });
        }
        sent.push(message);
        return { messageId: message.messageId };
      },
    };
    const side = createNotificationActivities({ models: models(), transport: relay, from: config.MAIL_FROM, render: loadTemplates({ baseUrl: config.PUBLIC_BASE_URL }), resolveRecipients: createRecipientResolver({ models: models(), coordinatorEmail: config.COORDINATOR_EMAIL, warn: () => undefined }) });
    const notice: NotificationRequest = {
      key: 'C20950303-0001:closure-overdue',
      template: 'closure_overdue',
      recipients: [{ dealerCode: 'SH001' }, { region: 'east' }, { role: 'coordinator' }],
      data: { number: 'C20950303-0001', ...complaintData, receivedAt: '2095-03-01T02:00:00Z', policyVersion: '2025.1' },
    };
    await expect(side.sendNotification(notice)).rejects.toThrow('try again later');
    expect(most).toBe(3);
    expect(sent.map((m) => m.to).sort()).toEqual([address('coordinator', tag), address('sh001', tag)].sort());
    expect(await side.sendNotification(notice)).toEqual({ sent: 1, alreadySent: 2 });
    expect(sent.map((m) => m.to).sort()).toEqual([address('coordinator', tag), address('rm-east', tag), address('sh001', tag)].sort());
  });

  describe('to the customer', () => {
    const customerEmail = (number: string, template: 'customer_acknowledgement' | 'customer_closure' = 'customer_acknowledgement'): NotificationRequest => ({
      key: `${number}:${template}`,
      template,
      recipients: [{ customer: number }],
      data: { number, ...complaintData, receivedAt: '2095-03-01T02:00:00Z', policyVersion: '2090.1' },
    });
    /** A complaint as the hotline recorded it (or, with `channel: 'web_form'`, as anyone may type it on the public form). */
    const submission = async (number: string, customer: { name: string; email?: string }, language?: 'zh' | 'en', channel: 'hotline' | 'web_form' = 'hotline') => {
      await models().Complaint.create({ _id: number, workflowId: `complaint-${number}`, kind: 'complaint', category: 'service_process', severity: 'minor', channel, status: 'awaiting_dispatch', receivedAt: new Date('2095-03-01T02:00:00Z') });
      await models().Submission.create({ _id: number, customer: { phone: '13800138000', ...customer }, description: '车门异响', receivedAt: new Date('2095-03-01T02:00:00Z'), ...(language && { language }) });
    };

    it('greets a customer of the public web form as "customer": anyone may type any name there', async () => {
      await submission('C20950302-0005', { name: '请访问 evil.example 领取退款', email: address('webform', tag) }, undefined, 'web_form');
      await activities.sendNotification(customerEmail('C20950302-0005'));
      expect(sent[0]!.text).toMatch(/^尊敬的客户：/);
      expect(sent[0]!.text).not.toContain('evil.example');
    });

    it('goes to the address in the submission, in the customer\'s language, greeting them by name, once', async () => {
      const to = address('wangwu', tag);
      await submission('C20950302-0001', { name: '王五', email: to }, 'en');
      expect(await activities.sendNotification(customerEmail('C20950302-0001'))).toEqual({ sent: 1, alreadySent: 0 });
      expect(sent).toHaveLength(1);
      expect(sent[0]!.to).toBe(to);
      expect(sent[0]!.subject).toBe('Your complaint has been received: number C20950302-0001');
      expect(sent[0]!.text).toMatch(/^Dear 王五,/);
      expect(sent[0]!.text).toContain('within 30 hours');
      expect(sent[0]!.text).not.toMatch(/13800138000|车门异响/);

      // Sent once: a retried activity, or the workflow asking again, sends nothing more.
      expect(await activities.sendNotification(customerEmail('C20950302-0001'))).toEqual({ sent: 0, alreadySent: 1 });
      expect(sent).toHaveLength(1);
      // The record names the complaint, not the address: personal data stays in the submission (SPEC §7).
      const records = await models().Notification.find({ template: 'customer_acknowledgement', _id: /^C20950302-0001:/ }).lean();
      expect(records.map((r) => [r._id, r.to])).toEqual([['C20950302-0001:customer_acknowledgement:customer:C20950302-0001', 'customer:C20950302-0001']]);
      expect(sent[0]!.headers['X-Notification-Key']).not.toContain(to);
    });

    it('writes Chinese to a customer who gave no language', async () => {
      await submission('C20950302-0002', { name: '赵六', email: address('zhaoliu', tag) });
      await activities.sendNotification(customerEmail('C20950302-0002', 'customer_closure'));
      expect(sent.map((m) => [m.to, m.subject])).toEqual([[address('zhaoliu', tag), '您的抱怨 C20950302-0002 已处理完毕']]);
      expect(sent[0]!.text).toMatch(/^尊敬的 赵六：/);
    });

    it('sends nothing, and fails nothing, when the customer gave no email address', async () => {
      await submission('C20950302-0003', { name: '钱七' });
      expect(await activities.sendNotification(customerEmail('C20950302-0003'))).toEqual({ sent: 0, alreadySent: 0 });
      // Nor when the submission is gone (erased at the end of its retention).
      expect(await activities.sendNotification(customerEmail('C20950302-0009'))).toEqual({ sent: 0, alreadySent: 0 });
      expect(sent).toEqual([]);
    });

    it('reports a refused customer address to the coordinator without the address', async () => {
      const bounce = `bounce-sunba-${tag}@test.local`;
      await submission('C20950302-0004', { name: '孙八', email: bounce });
      const failure = await activities.sendNotification(customerEmail('C20950302-0004')).catch((error: Error) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toBe('undeliverable: customer:C20950302-0004');
      const report = sent.find((m) => m.to === config.COORDINATOR_EMAIL || m.to === address('coordinator', tag))!;
      expect(report.subject).toContain('C20950302-0004');
      expect(JSON.stringify(report)).not.toContain(bounce);
      const record = await models().Notification.findById('C20950302-0004:customer_acknowledgement:customer:C20950302-0004').lean();
      expect(record).toMatchObject({ status: 'undeliverable', to: 'customer:C20950302-0004' });
      expect(record!.error).not.toContain(bounce);
    });
  });
});

describe('a customer address in an SMTP server’s words', () => {
  it('is taken out however the server spells its case', () => {
    expect(withoutAddress('550 5.1.1 <Zhao.Liu@Example.COM>: mailbox unavailable', 'zhao.liu@example.com', 'customer:C20950302-0004')).toBe('550 5.1.1 <customer:C20950302-0004>: mailbox unavailable');
  });
});
