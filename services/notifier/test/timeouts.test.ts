import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createTransport } from '../src/smtp';
import { testConfig } from '../../../test/support';

// The send activity has 1 minute to close (workflows/src/schedules.ts notifier()). An SMTP server
// that accepts connections and then stops answering must fail the attempt well within it, with an
// error Temporal retries; nodemailer's own defaults wait 30 s for a greeting and 10 minutes on a
// silent socket, so a stuck relay would hold the attempt until Temporal gives up on it.
describe('SMTP calls that do not answer', () => {
  let server: net.Server;
  const sockets = new Set<net.Socket>();
  let behaviour: 'silent' | 'stalls_after_ehlo' = 'silent';

  beforeAll(async () => {
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      if (behaviour === 'silent') return; // accepts, never greets
      socket.write('220 stuck.test ESMTP\r\n');
      socket.on('data', (chunk) => {
        // Answers the greeting exchange, then goes quiet at the first command of the message.
        if (/^(EHLO|HELO)/i.test(chunk.toString())) socket.write('250 stuck.test\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  async function send(): Promise<{ error: Error & { code?: string }; seconds: number }> {
    const transport = createTransport({ ...testConfig(), SMTP_PORT: (server.address() as AddressInfo).port });
    const started = Date.now();
    try {
      await transport.sendMail({ from: 'a@test.local', to: 'b@test.local', subject: 's', text: 't' });
      throw new Error('the send succeeded');
    } catch (error) {
      return { error: error as Error & { code?: string }, seconds: (Date.now() - started) / 1000 };
    } finally {
      transport.close();
    }
  }

  it('gives up on a server that accepts the connection but never greets, in seconds', async () => {
    behaviour = 'silent';
    const { error, seconds } = await send();
    expect(error.code).toBe('ETIMEDOUT');
    expect(seconds).toBeLessThan(20);
  });

  it('gives up on a server that goes silent in the middle of a message, well before the activity’s minute', async () => {
    behaviour = 'stalls_after_ehlo';
    const { error, seconds } = await send();
    expect(error.code).toBe('ETIMEDOUT');
    expect(seconds).toBeLessThan(40);
  }, 60_000);
});
