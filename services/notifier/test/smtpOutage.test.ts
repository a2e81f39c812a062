import { freePort } from '../../../scripts/lib/stack';
import { TestSmtp } from '../../../test/smtpSink';
import { createTransport } from '../src/smtp';
import { testConfig } from '../../../test/support';

// SPEC §5: an email the SMTP relay could not take is retried until it succeeds. The notifier keeps
// one pooled transport for its life, so a relay that was down must not leave the pool unable to
// send once it is back (each failed connection attempt used to keep one of the pool's five slots).
describe('the SMTP transport after the relay was down', () => {
  it('sends again as soon as the relay is back, however many sends failed while it was down', async () => {
    const smtp = new TestSmtp(await freePort());
    const transport = createTransport({ ...testConfig(), SMTP_PORT: smtp.port });
    const mail = (i: number) => ({ from: 'complaints@test.local', to: 'coordinator@test.local', subject: `C20301201-000${i}`, text: 't' });
    try {
      for (let i = 0; i < 8; i++) await expect(transport.sendMail(mail(i))).rejects.toThrow(/ECONNREFUSED/);
      await smtp.start();
      const sent = await Promise.race([transport.sendMail(mail(9)), new Promise((_, reject) => setTimeout(() => reject(new Error('the send hung')), 10_000))]);
      expect(sent).toMatchObject({ accepted: ['coordinator@test.local'] });
      expect(smtp.received.map((m) => m.subject)).toEqual(['C20301201-0009']);
    } finally {
      transport.close();
      await smtp.stop();
    }
  });
});
