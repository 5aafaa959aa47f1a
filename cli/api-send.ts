import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { ApiAccountConfig } from '../adapters/api/config.js';
import { sign, signatureHeader, verify } from '../adapters/api/signature.js';
import type { Config } from '../core/config/schema.js';

export interface ApiSendOptions {
  account?: string;
  user: string;
  hub: string;
  /** Also listen on the account's webhookUrl and print the reply (for local webhook URLs). */
  wait: boolean;
  timeoutMs: number;
}

/**
 * Plays a business's app against a running hub: sends one signed message to
 * the `api` channel and, with `wait`, receives the signed replies on the
 * account's webhook URL. Handy for trying the demo and for checking a setup.
 */
export async function apiSend(config: Config, text: string, options: ApiSendOptions): Promise<void> {
  const accounts = config.workspaces.flatMap((w) => (w.channels.api ?? []) as ApiAccountConfig[]);
  const account = options.account ? accounts.find((a) => a.account === options.account) : accounts[0];
  if (!account) throw new Error(options.account ? `no api account "${options.account}" in the config` : 'the config has no api account');

  const id = randomUUID();
  const reply = options.wait ? awaitReply(account, id, options.timeoutMs) : undefined;
  await reply?.listening;
  const body = JSON.stringify({ id, user: options.user, text });
  const res = await fetch(`${options.hub}/channels/api/${account.account}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [signatureHeader]: sign(body, account.secret) },
    body,
  }).catch((err: Error) => {
    reply?.close();
    throw new Error(`cannot reach the hub at ${options.hub} (is it running? see --hub): ${err.message}`, { cause: err });
  });
  const answer = await res.text();
  if (res.status !== 202) {
    reply?.close();
    throw new Error(`the hub answered ${res.status}: ${answer}`);
  }
  console.log(`sent ${id} (202 queued)`);
  if (reply) {
    for (const received of await reply.done) {
      console.log(`reply: ${received.text}`);
      for (const [i, choice] of (received.choices ?? []).entries()) console.log(`  ${i + 1}. ${choice.label}`);
    }
  }
}

type ReceivedReply = { inReplyTo?: string | null; text: string; choices?: { label: string }[] };

/** After the first reply, how long to wait for more replies to the same message (a turn may send several). */
const moreRepliesMs = 700;

/** Listens on the account's webhook URL and collects the replies to one message. */
function awaitReply(account: ApiAccountConfig, inReplyTo: string, timeoutMs: number) {
  const url = new URL(account.webhookUrl);
  let resolve!: (r: ReceivedReply[]) => void;
  let reject!: (e: Error) => void;
  const done = new Promise<ReceivedReply[]>((ok, fail) => ((resolve = ok), (reject = fail)));
  const replies: ReceivedReply[] = [];
  let settle: NodeJS.Timeout | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (req.method !== 'POST' || req.url !== url.pathname || !verify(raw, account.secret, req.headers[signatureHeader] as string | undefined)) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      const reply = JSON.parse(raw.toString('utf8')) as ReceivedReply;
      if (reply.inReplyTo !== inReplyTo) return;
      replies.push(reply);
      clearTimeout(settle);
      settle = setTimeout(() => resolve(replies), moreRepliesMs);
    });
  });
  const timer = setTimeout(() => reject(new Error(`no reply on ${account.webhookUrl} within ${timeoutMs} ms`)), timeoutMs);
  const close = () => {
    clearTimeout(timer);
    clearTimeout(settle);
    server.close();
  };
  const listening = new Promise<void>((ok, fail) => {
    server.once('error', (err) => fail(new Error(`cannot listen on ${account.webhookUrl} to receive the reply: ${err.message}`)));
    server.listen(Number(url.port || 80), url.hostname, ok);
  });
  return { listening, close, done: done.finally(close) };
}
