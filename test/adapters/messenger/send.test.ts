import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessengerAdapter, messengerAccountSchema } from '../../../adapters/messenger/index.js';
import type { ChannelAdapter } from '../../../core/adapter.js';
import type { WorkspaceConfig } from '../../../core/config/schema.js';
import { ChannelApiError } from '../../../core/errors.js';
import type { OutboundMessage } from '../../../core/message.js';
import { FakeGraph, messengerUnavailable } from '../../fakes/meta-graph.js';
import { pageId } from './events.js';

// The adapter's send on its own, against the fake Send API: the window rules and Graph's errors.
const pageAccessToken = 'EAAmessengerSendTestToken0123456';
const appSecret = 'messenger-send-test-app-secret';
let graph: FakeGraph;
let adapter: ChannelAdapter;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
let n = 0;
const reply = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id: `out_${n++}`,
  conversationId: 'c1',
  order: 1,
  createdAt: '2026-11-22T00:00:00.000Z',
  address: { workspace: 'ws', channel: 'messenger', account: 'page', user: `psid-${n}` },
  text: 'Your parcel left the warehouse.',
  sender: 'bot',
  ...over,
});
const failure = async (message: OutboundMessage): Promise<ChannelApiError> => {
  const err = await adapter.send(message).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelApiError);
  return err as ChannelApiError;
};
const adapterFor = (graphUrl: string, timeoutMs = 2000) =>
  createMessengerAdapter([
    {
      workspace: { id: 'ws' } as WorkspaceConfig,
      account: 'page',
      config: messengerAccountSchema.parse({ account: 'page', pageId, pageAccessToken, appSecret, verifyToken: 'verify-token', graphUrl, timeoutMs }),
    },
  ]);

beforeAll(async () => {
  graph = await new FakeGraph({ pageAccessToken }).start();
  adapter = adapterFor(graph.url);
});
afterAll(async () => {
  await graph?.stop();
});

describe('messenger send: the 24-hour window', () => {
  it('answers inside the window as a RESPONSE, with the page token and its appsecret_proof', async () => {
    const message = reply({ lastInboundAt: hoursAgo(23) });
    const { platformId } = await adapter.send(message);
    const request = graph.requests.at(-1)!;
    expect(request.body).toEqual({ recipient: { id: message.address.user }, messaging_type: 'RESPONSE', message: { text: 'Your parcel left the warehouse.' } });
    expect(request.query.appsecret_proof).toBe(createHmac('sha256', appSecret).update(pageAccessToken).digest('hex'));
    expect(platformId).toBe(request.id);
  });

  it("sends an agent's reply after the window with the HUMAN_AGENT tag, up to 7 days", async () => {
    const message = reply({ sender: 'agent', lastInboundAt: hoursAgo(3 * 24), text: 'Sorry for the wait: your refund is on its way.' });
    const { platformId } = await adapter.send(message);
    expect(graph.requests.at(-1)!.body).toEqual({
      recipient: { id: message.address.user },
      messaging_type: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
      message: { text: 'Sorry for the wait: your refund is on its way.' },
    });
    expect(platformId).toMatch(/^m_/);
  });

  it("refuses a bot's reply after 24 hours and an agent's after 7 days, for good and without calling Messenger", async () => {
    const before = graph.requests.length;
    const bot = await failure(reply({ lastInboundAt: hoursAgo(30) }));
    expect([bot.platformCode, bot.retryable]).toEqual(['outside_window', false]);
    expect(bot.message).toBe(
      'not sent: the contact last wrote 30 hours ago, and on Messenger outside the 24-hour window only a human agent may reply (HUMAN_AGENT tag, within 7 days)',
    );
    const agent = await failure(reply({ sender: 'agent', lastInboundAt: hoursAgo(8 * 24) }));
    expect([agent.platformCode, agent.retryable]).toEqual(['outside_window', false]);
    expect(agent.message).toBe(
      'not sent: the contact last wrote 8 days ago, and on Messenger a human agent may reply with the HUMAN_AGENT tag only within 7 days',
    );
    expect(graph.requests.length).toBe(before);
  });

  it('sends choices as quick replies', async () => {
    const message = reply({
      text: 'Pick a colour:',
      choices: [
        { id: 'red', label: 'Red' },
        { id: 'green', label: 'Green' },
      ],
    });
    await adapter.send(message);
    expect((graph.requests.at(-1)!.body.message as Record<string, unknown>).quick_replies).toEqual([
      { content_type: 'text', title: 'Red', payload: 'red' },
      { content_type: 'text', title: 'Green', payload: 'green' },
    ]);
  });
});

describe('messenger send: Graph errors', () => {
  it('551 (person unavailable) is permanent, with the platform code and message', async () => {
    graph.failNext(messengerUnavailable);
    const err = await failure(reply());
    expect([err.platformCode, err.retryable, err.status]).toEqual(['551', false, 400]);
    expect(err.message).toMatch(/^Graph API error 551\/1545041: \(#551\) This person isn't available right now\. \[fbtrace_id fake[0-9a-f]+\]$/);
  });

  it('rate limits wait: Retry-After, else the business-use-case estimate, else 30 s', async () => {
    graph.throttleNext(7);
    expect((await failure(reply())).retryAfterMs).toBe(7000);
    graph.failNext({
      status: 400,
      error: { message: '(#80006) There have been too many messages sent to this Messenger user.', code: 80006 },
      headers: { 'x-business-use-case-usage': JSON.stringify({ [pageId]: [{ type: 'messenger', call_count: 100, estimated_time_to_regain_access: 2 }] }) },
    });
    const buc = await failure(reply());
    expect([buc.retryable, buc.retryAfterMs, buc.platformCode]).toEqual([true, 120_000, '80006']);
    graph.failNext({ status: 400, error: { message: '(#613) Calls to this api have exceeded the rate limit.', code: 613 } });
    expect((await failure(reply())).retryAfterMs).toBe(30_000);
  });

  it('server errors and transient codes are retried without pausing the account; a bad token is not', async () => {
    graph.failNext({ status: 500, error: { message: 'An unexpected error has occurred. Please retry your request later.', code: 2 } });
    const server = await failure(reply());
    expect([server.retryable, server.retryAfterMs]).toEqual([true, undefined]);
    const badToken = createMessengerAdapter([
      {
        workspace: { id: 'ws' } as WorkspaceConfig,
        account: 'page',
        config: messengerAccountSchema.parse({
          account: 'page',
          pageId,
          pageAccessToken: 'EAAnotTheRightToken000000',
          appSecret,
          verifyToken: 'verify-token',
          graphUrl: graph.url,
        }),
      },
    ]);
    const err = (await badToken.send(reply()).catch((e: unknown) => e)) as ChannelApiError;
    expect([err.platformCode, err.retryable]).toEqual(['190', false]);
    expect(err.message).not.toContain('EAAnotTheRightToken');
  });

  it('an unreachable Graph API is retryable, and the error names no credentials', async () => {
    const down = adapterFor('http://127.0.0.1:9', 500);
    const err = (await down.send(reply()).catch((e: unknown) => e)) as ChannelApiError;
    expect(err).toBeInstanceOf(ChannelApiError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^Graph API unreachable/);
    expect(err.message).not.toContain(pageAccessToken);
  });
});
