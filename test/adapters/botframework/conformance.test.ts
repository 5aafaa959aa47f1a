import { FakeBotConnector } from '../../fakes/botframework-connector.js';
import { conformanceSuite, type ReceivedReply } from '../conformance.js';

// Web Chat through a local Bot Connector: the emulator-mode account (no app id) replies to the
// activity's serviceUrl, the fake; a second account with an app id validates JWTs.
let connector: FakeBotConnector;
const endpoint = (hubUrl: string, account = 'conf-bot') => `${hubUrl}/channels/botframework/${account}/api/messages`;

conformanceSuite({
  channel: 'botframework',
  async setup() {
    connector = await new FakeBotConnector().start();
    return {
      accounts: [
        { account: 'conf-bot', emulator: true, timeoutMs: 2000 },
        { account: 'conf-secure', appId: '00000000-0000-0000-0000-000000000001', appPassword: 'not-used-in-tests' },
      ],
    };
  },
  async teardown() {
    await connector?.stop();
  },
  async sendText(hubUrl, m) {
    const status = await connector.deliver(endpoint(hubUrl), connector.message({ conversationId: m.user, userId: `u-${m.user}`, id: m.id, text: m.text }));
    if (status !== 200) throw new Error(`hub answered ${status}`);
  },
  // A tap on an imBack suggested action comes back as a message with the action's value, the label.
  async sendChoice(hubUrl, m) {
    const status = await connector.deliver(endpoint(hubUrl), connector.message({ conversationId: m.user, userId: `u-${m.user}`, id: m.id, text: m.label }));
    if (status !== 200) throw new Error(`hub answered ${status}`);
  },
  received: (user) =>
    connector.delivered(user).map((a): ReceivedReply => {
      const actions = (a.suggestedActions as { actions?: { title: string }[] } | undefined)?.actions;
      return { text: a.text as string, ...(actions ? { choices: actions.map((x) => x.title) } : {}) };
    }),
  // No Authorization header on an account with an app id.
  forged: (hubUrl, m) =>
    connector.deliver(endpoint(hubUrl, 'conf-secure'), connector.message({ conversationId: m.user, userId: `u-${m.user}`, id: m.id, text: m.text })),
  malformed: (hubUrl) => connector.deliver(endpoint(hubUrl), '{"type": "message", "text": '),
  throttleNextSend: (seconds) => connector.throttleNext(seconds),
  refuseNextSend: () => connector.refuseNext().code,
});
