// A real SMTP server the test controls (npm smtp-server, on loopback): it can be stopped and started
// again on the same port, and refuses addresses starting with `bounce-` for good (550), as a relay
// refuses a bad mailbox. Each message is parsed and kept with its notification key and Message-ID.
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export interface Received {
  to: string[];
  subject: string;
  /** X-Notification-Key: `<number>:<what>:<recipient>`, one per email the system means to send. */
  key: string;
  messageId: string;
}

export class TestSmtp {
  readonly received: Received[] = [];
  /** Called as each message is accepted (a fault test kills the sender there). */
  onAccepted?: (message: Received) => void;
  /** Connections the sender dropped mid-session. */
  readonly connectionErrors: string[] = [];
  private server?: SMTPServer;
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (address.address.startsWith('bounce-')) return callback(Object.assign(new Error(`5.1.1 <${address.address}>: mailbox unavailable`), { responseCode: 550 }));
        callback();
      },
      onData: (stream, session, callback) => {
        simpleParser(stream).then((mail) => {
          const message = {
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            key: String(mail.headers.get('x-notification-key') ?? ''),
            messageId: mail.messageId ?? '',
          };
          this.received.push(message);
          callback();
          this.onAccepted?.(message);
        }, callback);
      },
    });
    // A sender that dies mid-session (the fault tests kill it) resets its connection: SMTPServer
    // emits that as an 'error' event, which would otherwise be thrown in this process.
    this.server.on('error', (error) => this.connectionErrors.push(error.message));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  to(address: string): Received[] {
    return this.received.filter((m) => m.to.includes(address));
  }
}
