import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signatureHeader, verify } from '../../adapters/api/signature.js';

export interface ReceivedReply {
  id: string;
  user: string;
  text: string;
  choices?: { id: string; label: string }[];
  inReplyTo: string | null;
  /** Whether the X-Switchboard-Signature header matched the body. */
  signatureValid: boolean;
}

/**
 * Plays the business's app: the webhook that receives the hub's replies.
 * `respond` decides the status code per request (e.g. fail the first N).
 */
export class Receiver {
  readonly replies: ReceivedReply[] = [];
  private server: Server | undefined;
  private waiters: { count: number; resolve: () => void }[] = [];
  respond: (reply: ReceivedReply, attempt: number) => number | Promise<number> = () => 200;
  private attempts = new Map<string, number>();
  /** A 429 with `Retry-After` owed to the next request (seconds), as a rate-limited app answers. */
  private throttleSeconds: number | undefined;

  constructor(private readonly secret: string) {}

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/replies`;
  }

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const body = await readBody(req);
      const reply = {
        ...(JSON.parse(body.toString('utf8')) as ReceivedReply),
        signatureValid: verify(body, this.secret, req.headers[signatureHeader] as string | undefined),
      };
      const attempt = (this.attempts.get(reply.id) ?? 0) + 1;
      this.attempts.set(reply.id, attempt);
      if (this.throttleSeconds !== undefined) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(this.throttleSeconds) }).end('{}');
        this.throttleSeconds = undefined;
        return;
      }
      const status = await this.respond(reply, attempt);
      if (status >= 200 && status < 300) {
        this.replies.push(reply);
        this.waiters = this.waiters.filter((w) => (this.replies.length >= w.count ? (w.resolve(), false) : true));
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    return this;
  }

  /** Answers the next request 429 with `Retry-After: seconds` (whatever `respond` says). */
  throttleNext(seconds: number): void {
    this.throttleSeconds = seconds;
  }

  /** Attempts (accepted or not) seen for a reply id. */
  attemptsFor(id: string): number {
    return this.attempts.get(id) ?? 0;
  }

  /** Resolves once `count` replies were accepted; rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 30_000): Promise<ReceivedReply[]> {
    if (this.replies.length < count) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} replies, got ${this.replies.length} after ${timeoutMs} ms`)), timeoutMs);
        this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    }
    return this.replies;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
