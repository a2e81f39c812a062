import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createTransport } from '../src/smtp';
import { testConfig } from '../../../test/support';

// The relay's password and the emails (complaint numbers, dealers' names, links) cross only a
// connection that is encrypted, to a relay whose certificate is verified: a relay that offers no
// STARTTLS never gets the password, and one whose certificate does not verify gets nothing.
describe('the SMTP transport’s TLS', () => {
  const servers: SMTPServer[] = [];
  const logins: string[] = [];
  const received: string[] = [];

  /** A relay on loopback; smtp-server offers STARTTLS with its own self-signed certificate unless told not to. */
  async function relay(options: Partial<SMTPServerOptions>): Promise<number> {
    const server = new SMTPServer({
      logger: false,
      onAuth: (auth, _session, callback) => {
        logins.push(auth.password ?? '');
        callback(null, { user: auth.username });
      },
      onData: (stream, session, callback) => {
        stream.resume();
        stream.on('end', () => {
          received.push(session.envelope.rcptTo.map((r) => r.address).join(','));
          callback();
        });
      },
      ...options,
    });
    server.on('error', () => {}); // a client that refuses the certificate resets its connection
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.server.address() as AddressInfo).port;
  }

  const transportTo = (port: number, auth: Record<string, string> = {}) =>
    createTransport(testConfig({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), ...auth }));
  const send = (transport: ReturnType<typeof createTransport>, to: string) => transport.sendMail({ from: 'complaints@aftersales.test', to, subject: '【新抱怨】C20310701-0001', text: '...' });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  it('refuses to send the password to a relay that offers no STARTTLS', async () => {
    const port = await relay({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    const transport = transportTo(port, { SMTP_USER: 'notifier', SMTP_PASS: 'relay-password-1' });
    try {
      await expect(send(transport, 'sh001@dealer.test')).rejects.toThrow(/STARTTLS|TLS/i);
    } finally {
      transport.close();
    }
    expect(logins).not.toContain('relay-password-1');
    expect(received).not.toContain('sh001@dealer.test');
  });

  it('refuses a relay whose certificate does not verify, with or without a password', async () => {
    const port = await relay({ allowInsecureAuth: false });
    for (const auth of [{ SMTP_USER: 'notifier', SMTP_PASS: 'relay-password-2' }, {} as Record<string, string>]) {
      const transport = transportTo(port, auth);
      try {
        await expect(send(transport, 'bj002@dealer.test')).rejects.toThrow(/certificate/i);
      } finally {
        transport.close();
      }
    }
    expect(logins).not.toContain('relay-password-2');
    expect(received).not.toContain('bj002@dealer.test');
  });

  it('sends in the clear to a relay without TLS only when it has no password to give (a local sink)', async () => {
    const port = await relay({ disabledCommands: ['STARTTLS', 'AUTH'] });
    const transport = transportTo(port);
    try {
      await send(transport, 'coordinator@aftersales.test');
    } finally {
      transport.close();
    }
    expect(received).toContain('coordinator@aftersales.test');
  });
});
