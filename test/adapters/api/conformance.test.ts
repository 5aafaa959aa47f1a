import { randomUUID } from 'node:crypto';
import { postApi } from '../../helpers/hub.js';
import { Receiver } from '../../helpers/receiver.js';
import { conformanceSuite } from '../conformance.js';

// The generic api channel: the business's app is the "platform" (its webhook receives the replies).
const secret = 'conformance-api-secret-0123';
let receiver: Receiver;

conformanceSuite({
  channel: 'api',
  async setup() {
    receiver = await new Receiver(secret).start();
    return { accounts: [{ account: 'conf-app', secret, webhookUrl: receiver.url, timeoutMs: 2000 }] };
  },
  async teardown() {
    await receiver?.stop();
  },
  async sendText(hubUrl, m) {
    const res = await postApi(hubUrl, 'conf-app', { id: m.id, user: m.user, text: m.text }, { secret });
    if (res.status !== 202) throw new Error(`hub answered ${res.status}`);
  },
  async sendChoice(hubUrl, m) {
    const res = await postApi(hubUrl, 'conf-app', { id: m.id, user: m.user, choice: m.choiceId }, { secret });
    if (res.status !== 202) throw new Error(`hub answered ${res.status}`);
  },
  throttleNextSend: (seconds) => receiver.throttleNext(seconds),
  received: (user) =>
    receiver.replies.filter((r) => r.user === user).map((r) => ({ text: r.text, ...(r.choices ? { choices: r.choices.map((c) => c.label) } : {}) })),
  forged: async (hubUrl, m) =>
    (await postApi(hubUrl, 'conf-app', { id: m.id, user: m.user, text: m.text }, { secret: 'not-the-secret-' + randomUUID() })).status,
  malformed: async (hubUrl) => (await postApi(hubUrl, 'conf-app', '{"id": 1', { secret })).status,
});
