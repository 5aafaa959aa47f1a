import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on 127.0.0.1 that keeps every message it accepts, parsed. `refuse` decides,
 * per message in arrival order, whether to answer it with a temporary failure (451), as a relay
 * that is down for a moment does.
 */
export class LocalSmtp {
  readonly received: ParsedMail[] = [];
  /** Messages offered so far, accepted or not. */
  offered = 0;
  refuse: (n: number) => boolean = () => false;
  private server?: SMTPServer;
  port = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _session, callback) => {
        const n = ++this.offered;
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.refuse(n)) return callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
          void simpleParser(Buffer.concat(chunks)).then((mail) => {
            this.received.push(mail);
            callback();
          }, callback);
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** The mail settings pointing at this server. */
  get smtp() {
    return { host: '127.0.0.1', port: this.port, secure: false };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
