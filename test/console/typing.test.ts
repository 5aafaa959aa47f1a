import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setWebhook, telegramAccount } from '../../adapters/telegram/commands.js';
import { setWebClientFactory } from '../../adapters/whatsapp/web/index.js';
import { addAgent } from '../../core/agents/accounts.js';
import { agentId } from '../../core/store/agent.js';
import { Conversation } from '../../core/store/conversation.js';
import { typingEveryMs } from '../../core/typing/agent-typing.js';
import { FakeBotConnector } from '../fakes/botframework-connector.js';
import { FakeGraph, postWebhook } from '../fakes/meta-graph.js';
import { FakeTelegram, fakeBotInfo, textUpdate } from '../fakes/telegram-api.js';
import { signInAgent } from '../helpers/agent.js';
import { consoleCall } from '../helpers/api-chat.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { pageId, textEvent, webhookBody } from '../adapters/messenger/events.js';
import { FakeWhatsApp } from '../adapters/whatsapp-web/fake-whatsapp.js';
import { freePort, WidgetClient } from '../widget/helpers.js';

// Typing indicators both ways (issue #12). An agent typing in the console reaches each
// platform's fake as that platform's typing indicator, and the widget as its dots; a visitor
// typing in the widget, or a Bot Framework user, shows on the console's socket; colleagues see
// each other typing. Only the agent who has the conversation may; a scripted client is throttled.
const password = 'correct horse battery staple';
const appSecret = 'typing-messenger-app-secret-0123';
const pageAccessToken = 'EAAtypingPageToken0123456789';
const telegram = new FakeTelegram();
const whatsapp = new FakeWhatsApp();
let graph: FakeGraph;
let connector: FakeBotConnector;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let restoreWhatsApp: () => void;
const cookies: Record<'anna' | 'ben' | 'olga', string> = { anna: '', ben: '', olga: '' };
const anna = agentId('shop', 'anna@shop.example');
let n = 0;
const uid = (tag: string) => `${tag}${Date.now() % 100_000}${n++}`;

beforeAll(async () => {
  await telegram.start();
  graph = await new FakeGraph({ pageAccessToken }).start();
  connector = await new FakeBotConnector().start();
  restoreWhatsApp = setWebClientFactory(whatsapp.factory);
  const port = await freePort();
  env = testEnv({
    accounts: [{ workspace: 'other', account: 'other-app', secret: 'typing-other-secret-0123', webhookUrl: 'http://127.0.0.1:9/x' }],
    channels: {
      shop: {
        widget: [{ account: 'shop', secret: 'typing-widget-secret-0123456789', allowedOrigins: [`http://127.0.0.1:${port}`] }],
        telegram: [{ account: 'shop-bot', token: telegram.token, secretToken: 'typing-telegram-secret-0123', apiRoot: telegram.url, botInfo: fakeBotInfo }],
        messenger: [{ account: 'shop-page', pageId, pageAccessToken, appSecret, verifyToken: 'typing-verify', graphUrl: graph.url }],
        botframework: [{ account: 'shop-teams', emulator: true, timeoutMs: 2000 }],
        whatsapp: [{ account: 'shop-web', transport: 'web', dataPath: mkdtempSync(join(tmpdir(), 'wweb-typing-')), reconnect: { minMs: 50, maxMs: 200 } }],
      },
    },
    apiKeys: { shop: ['typing-shop-api-key-0123456789'] },
    extra: { server: { port }, console: { secureCookie: false } },
  });
  hub = await startTestHub(env);
  await setWebhook(telegramAccount(env.config, 'shop-bot'), hub.url!);
  for (const [name, workspace] of [
    ['anna', 'shop'],
    ['ben', 'shop'],
    ['olga', 'other'],
  ] as const) {
    const email = `${name}@${workspace}.example`;
    await addAgent({ workspace, email, displayName: name[0]!.toUpperCase() + name.slice(1), role: 'agent', password, actor: 'test' });
    cookies[name] = await signInAgent(hub.url!, email, password, workspace);
  }
});
afterAll(async () => {
  await hub?.stop();
  restoreWhatsApp?.();
  await Promise.all([telegram.stop(), graph?.stop(), connector?.stop()]);
  if (env) await cleanup(env);
});

/** The open conversation the contact's first message started (once its turn has stored it). */
async function conversationOf(channel: string, user: string): Promise<string> {
  let id: string | undefined;
  await eventually(
    async () => {
      id = (await Conversation.findOne({ workspace: 'shop', channel, user }, { _id: 1 }).lean())?._id.toString();
      return id !== undefined;
    },
    20_000,
    `the ${channel} conversation`,
  );
  return id!;
}

/** Anna takes it from the bot: from now on she may be typing in it. */
async function annaTakes(id: string): Promise<void> {
  expect((await consoleCall(hub.url!, cookies.anna, `/conversations/${id}/take`, {})).status).toBe(200);
}

const typing = (who: keyof typeof cookies, id: string) => consoleCall(hub.url!, cookies[who], `/conversations/${id}/typing`, {});

/** A console's live socket, as the app opens it; `typing()` lists the typing events it received. */
async function consoleSocket(who: keyof typeof cookies): Promise<{ typing: () => Record<string, unknown>[]; close: () => void }> {
  const ws = new WebSocket(`${hub.url!.replace(/^http/, 'ws')}/console/ws`, { headers: { origin: hub.url!, cookie: cookies[who] } });
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await new Promise((ok, fail) => ws.once('open', ok).once('error', fail));
  return { typing: () => frames.filter((f) => f.t === 'typing'), close: () => ws.terminate() };
}

describe('an agent typing reaches the contact as the platform’s typing indicator', () => {
  it('Telegram: sendChatAction "typing" to the chat, once however fast the console asks, and again after the throttle', async () => {
    const chatId = 7400 + n++;
    expect(await telegram.deliver(textUpdate({ updateId: n++, chatId, messageId: 1, text: 'is anyone there?' }))).toBe(200);
    const id = await conversationOf('telegram', String(chatId));
    await annaTakes(id);

    expect(await typing('anna', id)).toEqual({ status: 202, body: { forwarded: true } });
    // A scripted client hammering the route: the platform is asked once.
    for (let i = 0; i < 5; i++) expect(await typing('anna', id)).toEqual({ status: 202, body: { forwarded: false } });
    const actions = () => telegram.callsOf('sendChatAction').filter((c) => c.body.chat_id === chatId);
    await eventually(async () => actions().length === 1, 10_000, 'the chat action');
    expect(actions()[0]!.body).toMatchObject({ chat_id: chatId, action: 'typing' });

    await new Promise((r) => setTimeout(r, typingEveryMs + 100));
    expect(await typing('anna', id)).toEqual({ status: 202, body: { forwarded: true } });
    await eventually(async () => actions().length === 2, 10_000, 'the second chat action');
  });

  it('Telegram refusing the indicator still answers 202, and the agent’s reply goes out as usual', async () => {
    const chatId = 7500 + n++;
    expect(await telegram.deliver(textUpdate({ updateId: n++, chatId, messageId: 1, text: 'hello' }))).toBe(200);
    const id = await conversationOf('telegram', String(chatId));
    await annaTakes(id);
    telegram.failNext('sendChatAction', { code: 403 });
    expect(await typing('anna', id)).toEqual({ status: 202, body: { forwarded: true } });
    expect((await consoleCall(hub.url!, cookies.anna, `/conversations/${id}/messages`, { text: 'Anna here, how can I help?' })).status).toBe(200);
    await eventually(async () => telegram.sentTo(chatId).some((m) => m.text === 'Anna here, how can I help?'), 20_000, 'the reply');
    // The refused action was made once: nobody retries an indicator.
    expect(telegram.calls.filter((c) => c.method === 'sendChatAction' && c.body.chat_id === chatId)).toHaveLength(1);
  });

  it('Messenger: the typing_on sender action to the contact', async () => {
    const user = uid('2460');
    await postWebhook(
      `${hub.url}/channels/messenger/shop-page/webhook`,
      webhookBody({ events: [textEvent({ user, id: uid('mid.'), text: 'hi' })] }),
      appSecret,
    );
    const id = await conversationOf('messenger', user);
    await annaTakes(id);
    expect(await typing('anna', id)).toEqual({ status: 202, body: { forwarded: true } });
    await graph.waitUntil(() => graph.accepted('messenger', user).some((r) => r.body.sender_action === 'typing_on'), 10_000, 'the sender action');
    expect(graph.accepted('messenger', user).find((r) => r.body.sender_action)!.body).toEqual({ recipient: { id: user }, sender_action: 'typing_on' });
  });

  it('Bot Framework: a typing activity in the conversation', async () => {
    const conversationId = uid('conv-');
    expect(
      await connector.deliver(
        `${hub.url}/channels/botframework/shop-teams/api/messages`,
        connector.message({ conversationId, userId: 'u-1', id: 'a-1', text: 'hi' }),
      ),
    ).toBe(200);
    const id = await conversationOf('botframework', conversationId);
    await annaTakes(id);
    expect(await typing('anna', id)).toEqual({ status: 202, body: { forwarded: true } });
    await eventually(async () => connector.delivered(conversationId).some((a) => a.type === 'typing'), 10_000, 'the typing activity');
    expect(connector.delivered(conversationId).find((a) => a.type === 'typing')).toMatchObject({
      type: 'typing',
      recipient: { id: 'u-1' },
      conversation: { id: conversationId },
    });
  });

  it('WhatsApp Web: sendStateTyping in the contact’s chat', async () => {
    const from = `42070${Date.now() % 1_000_000}@c.us`;
    await eventually(async () => whatsapp.live('shop-web')?.ready === true, 10_000, 'a ready client');
    whatsapp.incoming('shop-web', { from, id: uid('3EB0'), text: 'hello' });
    const id = await conversationOf('whatsapp', from);
    await annaTakes(id);
    expect(await typing('anna', id)).toEqual({ status: 202, body: { forwarded: true } });
    await eventually(async () => whatsapp.typing.some((t) => t.chatId === from), 10_000, 'the typing state');
    expect(whatsapp.typing.filter((t) => t.chatId === from)).toEqual([{ account: 'shop-web', chatId: from }]);
  });
});

describe('the widget and the consoles', () => {
  it('a visitor typing shows on the consoles; the agent typing shows the widget’s dots and tells her colleague, never herself', async () => {
    const visitor = await new WidgetClient(hub.url!).open();
    const annaSees = await consoleSocket('anna');
    const benSees = await consoleSocket('ben');
    const olgaSees = await consoleSocket('olga');
    try {
      await visitor.sendText('I have a question');
      const id = await conversationOf('widget', visitor.visitor!.slice(0, visitor.visitor!.indexOf('.')));

      visitor.send({ t: 'typing' });
      await eventually(async () => annaSees.typing().length > 0 && benSees.typing().length > 0, 10_000, 'the visitor typing on both consoles');
      expect(annaSees.typing()).toEqual([{ t: 'typing', conversation: id, who: 'contact' }]);

      await annaTakes(id);
      expect(await typing('anna', id)).toEqual({ status: 202, body: { forwarded: true } });
      await visitor.until(() => visitor.frames.some((f) => f.t === 'typing'), 'the typing dots');
      await eventually(async () => benSees.typing().length === 2, 10_000, 'Anna typing on Ben’s console');
      expect(benSees.typing()[1]).toEqual({ t: 'typing', conversation: id, who: 'agent', agent: { id: anna, name: 'Anna' } });
      // Her own console hears of it too (the socket is per workspace); the app leaves her own out (client/typing.ts).
      await eventually(async () => annaSees.typing().length === 2, 10_000, 'Anna typing on her own socket');
      // Nothing of it reaches another workspace.
      expect(olgaSees.typing()).toEqual([]);
    } finally {
      visitor.close();
      annaSees.close();
      benSees.close();
      olgaSees.close();
    }
  });

  it('a visitor’s flood of typing frames is dropped quietly past the frame limit: no error to resync on, a burst at most on the consoles', async () => {
    const visitor = await new WidgetClient(hub.url!).open();
    const annaSees = await consoleSocket('anna');
    try {
      await visitor.sendText('hello');
      const id = await conversationOf('widget', visitor.visitor!.slice(0, visitor.visitor!.indexOf('.')));
      for (let i = 0; i < 30; i++) visitor.send({ t: 'typing' });
      await eventually(async () => annaSees.typing().length > 0, 10_000, 'the first typing event');
      await new Promise((r) => setTimeout(r, 500));
      // The account's bucket (burst 10) lets a few through; the rest are dropped without an answer.
      expect(annaSees.typing().length).toBeLessThanOrEqual(10);
      expect(annaSees.typing().every((e) => e.conversation === id && e.who === 'contact')).toBe(true);
      expect(visitor.frames.filter((f) => f.t === 'error')).toEqual([]);
    } finally {
      visitor.close();
      annaSees.close();
    }
  });

  it('a Bot Framework user typing shows on the console', async () => {
    const conversationId = uid('conv-');
    const endpoint = `${hub.url}/channels/botframework/shop-teams/api/messages`;
    expect(await connector.deliver(endpoint, connector.message({ conversationId, userId: 'u-2', id: 'b-1', text: 'hello' }))).toBe(200);
    const id = await conversationOf('botframework', conversationId);
    const annaSees = await consoleSocket('anna');
    try {
      expect(await connector.deliver(endpoint, { ...connector.message({ conversationId, userId: 'u-2', id: 'b-2' }), type: 'typing' })).toBe(200);
      await eventually(async () => annaSees.typing().length > 0, 10_000, 'the typing event');
      expect(annaSees.typing()).toEqual([{ t: 'typing', conversation: id, who: 'contact' }]);
    } finally {
      annaSees.close();
    }
  });
});

describe('who may be typing', () => {
  it('only the agent who has it: a colleague and the bot’s conversations get 403, another workspace 404, and the platform hears nothing', async () => {
    const chatId = 7600 + n++;
    expect(await telegram.deliver(textUpdate({ updateId: n++, chatId, messageId: 1, text: 'hello' }))).toBe(200);
    const id = await conversationOf('telegram', String(chatId));
    // Still the bot's: nobody is answering it.
    expect((await typing('anna', id)).status).toBe(403);
    await annaTakes(id);
    expect(await typing('ben', id)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect(await typing('olga', id)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    // An API key is nobody typing.
    const keyed = await fetch(`${hub.url}/api/conversations/${id}/typing`, {
      method: 'POST',
      headers: { authorization: 'Bearer typing-shop-api-key-0123456789' },
    });
    expect(keyed.status).toBe(403);
    // From another site's page the cookie rides along, and is refused.
    const crossSite = await fetch(`${hub.url}/api/conversations/${id}/typing`, {
      method: 'POST',
      headers: { cookie: cookies.anna, origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    await new Promise((r) => setTimeout(r, 300));
    expect(telegram.calls.filter((c) => c.method === 'sendChatAction' && c.body.chat_id === chatId)).toEqual([]);
  });
});
