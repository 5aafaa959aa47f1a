import { FakeGraph, messengerUnavailable, postWebhook } from '../../fakes/meta-graph.js';
import { conformanceSuite } from '../conformance.js';
import { pageId, quickReplyEvent, textEvent, webhookBody } from './events.js';

// Messenger against a local fake of the Graph API; webhooks signed with the app secret as Meta does.
const appSecret = 'conformance-messenger-app-secret';
const pageAccessToken = 'EAAconformancePageAccessToken0123';
let graph: FakeGraph;
const webhook = (hubUrl: string) => `${hubUrl}/channels/messenger/conf-page/webhook`;
const deliver = async (hubUrl: string, body: unknown) => {
  const res = await postWebhook(webhook(hubUrl), body, appSecret);
  if (res.status !== 200) throw new Error(`hub answered ${res.status}`);
};

conformanceSuite({
  channel: 'messenger',
  async setup() {
    graph = await new FakeGraph({ pageAccessToken }).start();
    return {
      accounts: [{ account: 'conf-page', pageId, pageAccessToken, appSecret, verifyToken: 'conformance-verify', graphUrl: graph.url, timeoutMs: 2000 }],
    };
  },
  async teardown() {
    await graph?.stop();
  },
  sendText: (hubUrl, m) => deliver(hubUrl, webhookBody({ events: [textEvent(m)] })),
  sendChoice: (hubUrl, m) => deliver(hubUrl, webhookBody({ events: [quickReplyEvent({ user: m.user, id: m.id, payload: m.choiceId, title: m.label })] })),
  received: (user) =>
    graph.accepted('messenger', user).map((r) => {
      const message = r.body.message as { text: string; quick_replies?: { title: string }[] };
      return { text: message.text, ...(message.quick_replies ? { choices: message.quick_replies.map((q) => q.title) } : {}) };
    }),
  forged: async (hubUrl, m) => (await postWebhook(webhook(hubUrl), webhookBody({ events: [textEvent(m)] }), 'not-the-app-secret-at-all')).status,
  malformed: async (hubUrl) => (await postWebhook(webhook(hubUrl), '{"object": "page", "entry": [', appSecret)).status,
  throttleNextSend: (seconds) => graph.throttleNext(seconds),
  refuseNextSend: () => {
    graph.failNext(messengerUnavailable);
    return '551';
  },
});
