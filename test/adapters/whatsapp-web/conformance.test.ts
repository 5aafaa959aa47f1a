import { vi } from 'vitest';
import type { builtinRegistry } from '../../../adapters/index.js';
import { setWebClientFactory } from '../../../adapters/whatsapp/web/index.js';
import { eventually } from '../../helpers/hub.js';
import { conformanceSuite } from '../conformance.js';
import { FakeWhatsApp } from './fake-whatsapp.js';

// The suite reads the channel's default capabilities (the Cloud API's buttons); a web account
// gets the web transport's (numbered text), as the router sees them through capabilitiesFor.
vi.mock('../../../adapters/index.js', async (importOriginal) => {
  const original = await importOriginal<{ builtinRegistry: typeof builtinRegistry }>();
  const { webCapabilities } = await import('../../../adapters/whatsapp/web/index.js');
  return {
    builtinRegistry() {
      const registry = original.builtinRegistry();
      const channelDefault = registry.capabilities.bind(registry);
      registry.capabilities = (channel: string) => (channel === 'whatsapp' ? webCapabilities : channelDefault(channel));
      return registry;
    },
  };
});

const account = 'conf-web';
const fake = new FakeWhatsApp();
let restore: () => void;

conformanceSuite({
  channel: 'whatsapp',
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
