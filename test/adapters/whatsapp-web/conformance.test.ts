import { setWebClientFactory, webCapabilities } from '../../../adapters/whatsapp/web/index.js';
import { eventually } from '../../helpers/hub.js';
import { conformanceSuite } from '../conformance.js';
import { FakeWhatsApp } from './fake-whatsapp.js';

const account = 'conf-web';
const fake = new FakeWhatsApp();
let restore: () => void;

conformanceSuite({
  channel: 'whatsapp',
  // A web account shows choices as numbered text, unlike the channel's default (the Cloud API's buttons).
  capabilities: webCapabilities,
  async setup() {
    restore = setWebClientFactory(fake.factory);
    return { accounts: [{ account, transport: 'web', reconnect: { minMs: 50, maxMs: 200 }, sessionPollMs: 100 }] };
  },
  async teardown() {
    restore?.();
  },
  async sendText(_hubUrl, m) {
    // The hub restarts between parts of the suite: wait for its new client to be ready.
    await eventually(async () => fake.live(account)?.ready === true, 10_000, 'a ready WhatsApp Web client');
    fake.incoming(account, { from: m.user, id: m.id, text: m.text });
  },
  received: (user) => fake.sent.filter((s) => s.chatId === user).map((s) => ({ text: s.text })),
});
