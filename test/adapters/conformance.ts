import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../adapters/index.js';
import type { ChannelCapabilities } from '../../core/adapter.js';
import { ConsentEvent } from '../../core/store/consent.js';
import { Message } from '../../core/store/message.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

/** One reply as the platform's fake received it, reduced to what every channel has. */
export interface ReceivedReply {
  text: string;
  /** Button/quick-reply labels, when the channel showed choices as buttons. */
  choices?: string[];
}

/**
 * How the shared suite drives one channel: a local fake of its platform, and
 * inbound events shaped exactly as the platform sends them. Each adapter's test
 * file builds one and calls {@link conformanceSuite}.
 */
export interface ConformanceHarness {
  channel: string;
  /** The account's capabilities, where they differ from the channel's default (a WhatsApp Web account). */
  capabilities?: ChannelCapabilities;
  /** Starts the platform's fake; returns the channel's account configs (one is enough) pointed at it. */
  setup(): Promise<{ accounts: Record<string, unknown>[] }>;
  teardown(): Promise<void>;
  /** Delivers a text from `user` to the hub as the platform would (webhook or client event), with the platform's message id `id`. */
  sendText(hubUrl: string, m: { user: string; id: string; text: string }): Promise<void>;
  /** The user presses the button of a choice (channels with buttons only). */
  sendChoice?(hubUrl: string, m: { user: string; id: string; choiceId: string; label: string }): Promise<void>;
  /** What the fake platform received for `user`, in order. */
  received(user: string): ReceivedReply[];
  /** A request that fails the platform's signature or secret check; resolves to the HTTP status the hub answered. */
  forged?(hubUrl: string, m: { user: string; id: string; text: string }): Promise<number>;
  /** A body the platform would never send; resolves to the HTTP status. */
  malformed?(hubUrl: string): Promise<number>;
  /** Makes the fake answer the next send with 429 and a retry-after of `seconds`. */
  throttleNextSend?(seconds: number): void;
  /** Makes the fake refuse the next send for good (e.g. a blocked user); the platform's error code is returned. */
  refuseNextSend?(): string;
  /** The stored user id the suite's `user` became, where platform ids cannot be arbitrary words (Telegram's numeric chat ids). */
  platformUser?(user: string): string;
}

const workspace = 'conf';
const choiceFlow = `
flow: pick
start: ask
nodes:
  ask:
    say: "Which colour?"
    choices:
      - { id: red, label: Red, next: red }
      - { id: green, label: Green, next: green }
      - { id: blue, label: Blue, next: blue }
  red: { say: "You chose red.", next: done }
  green: { say: "You chose green.", next: done }
  blue: { say: "You chose blue.", next: done }
  done: { end: "Bye." }
`;

/**
 * The contract every channel passes: replies reach the platform, duplicates are
 * stored and answered once, choices round-trip, forged and malformed requests
 * are refused with nothing stored, the privacy notice and STOP/START work, and
 * platform throttling and refusals end as the platform meant.
 */
export function conformanceSuite(h: ConformanceHarness): void {
  describe(`${h.channel}: channel conformance`, () => {
    let env: TestEnv;
    let flowEnv: TestEnv;
    let hub: Awaited<ReturnType<typeof startTestHub>>;
    let flowHub: Awaited<ReturnType<typeof startTestHub>>;
    const capabilities = h.capabilities ?? builtinRegistry().capabilities(h.channel)!;
    let n = 0;
    const uid = (tag: string) => `${tag}${Date.now() % 100000}${n++}`;
    const texts = (user: string) => h.received(user).map((r) => r.text);
    const userId = (user: string) => h.platformUser?.(user) ?? user;
    const stored = (user: string) =>
      Message.find({ workspace, channel: h.channel, user: userId(user) })
        .sort({ order: 1 })
        .lean();

    beforeAll(async () => {
      const { accounts } = await h.setup();
      env = testEnv({
        accounts: [],
        channels: { [workspace]: { [h.channel]: accounts } },
        autoReply: { [workspace]: 'Hello from the conformance hub.' },
        privacy: {
          [workspace]: {
            policyUrl: 'https://shop.example/privacy',
            notice: { version: 'v1', text: 'We process your messages to answer you: {policyUrl}' },
          },
        },
        pipeline: { outboundBackoffMs: 50 },
      });
      hub = await startTestHub(env);
    });
    afterAll(async () => {
      await hub?.stop();
      await flowHub?.stop();
      await h.teardown();
      if (env) await cleanup(env);
      if (flowEnv) await cleanup(flowEnv);
    });

    it('declares capabilities the core can render for', () => {
      expect(capabilities.maxTextLength).toBeGreaterThan(0);
      expect(capabilities.maxChoices).toBeGreaterThanOrEqual(0);
      if (capabilities.maxChoices > 0) expect(capabilities.maxChoiceLabelLength).toBeGreaterThan(0);
    });

    it('shows the privacy notice on first contact, then answers; the notice is recorded once', async () => {
      const user = uid('first');
      await h.sendText(hub.url!, { user, id: uid('m'), text: 'hi' });
      const notice = 'We process your messages to answer you: https://shop.example/privacy';
      const expected = capabilities.showsNotice ? ['Hello from the conformance hub.'] : [notice, 'Hello from the conformance hub.'];
      await eventually(async () => texts(user).length >= expected.length, 20_000, 'first replies');
      await h.sendText(hub.url!, { user, id: uid('m'), text: 'again' });
      await eventually(async () => texts(user).length >= expected.length + 1, 20_000, 'second reply');
      expect(texts(user)).toEqual([...expected, 'Hello from the conformance hub.']);
      if (!capabilities.showsNotice) {
        const events = await ConsentEvent.find({ workspace, channel: h.channel, user: userId(user), purpose: 'notice' }).lean();
        expect(events.map((e) => [e.granted, e.textVersion, e.text])).toEqual([[true, 'v1', notice]]);
      }
      const messages = await stored(user);
      expect(messages.filter((m) => m.direction === 'in').map((m) => m.text)).toEqual(['hi', 'again']);
      await eventually(
        async () => (await stored(user)).every((m) => m.direction === 'in' || ['sent', 'delivered', 'read'].includes(m.status)),
        10_000,
        'replies marked sent',
      );
    });

    it('stores and answers a duplicate delivery once', async () => {
      const user = uid('dup');
      const id = uid('m');
      await h.sendText(hub.url!, { user, id, text: 'once' });
      await h.sendText(hub.url!, { user, id, text: 'once' });
      const replies = capabilities.showsNotice ? 1 : 2;
      await eventually(async () => texts(user).length >= replies, 20_000, 'replies');
      await new Promise((r) => setTimeout(r, 500)); // a second answer would have arrived by now
      expect(texts(user)).toHaveLength(replies);
      expect((await stored(user)).filter((m) => m.direction === 'in')).toHaveLength(1);
    });

    it('STOP is confirmed and recorded, silences the bot, and START brings it back', async () => {
      const user = uid('stop');
      await h.sendText(hub.url!, { user, id: uid('m'), text: 'STOP' });
      await eventually(async () => texts(user).length >= 1, 20_000, 'stop confirmation');
      await h.sendText(hub.url!, { user, id: uid('m'), text: 'are you there?' });
      await eventually(async () => (await stored(user)).some((m) => m.text === 'are you there?'), 20_000, 'message stored');
      await new Promise((r) => setTimeout(r, 500));
      expect(texts(user)).toEqual(['You will get no more messages from us here. Send START to chat again.']);
      await h.sendText(hub.url!, { user, id: uid('m'), text: 'Start' });
      await eventually(async () => texts(user).length >= 2, 20_000, 'start confirmation');
      expect(texts(user)[1]).toBe('Welcome back! You can chat with us again.');
      const events = await ConsentEvent.find({ workspace, channel: h.channel, user: userId(user), purpose: 'messaging' })
        .sort({ at: 1 })
        .lean();
      expect(events.map((e) => [e.granted, e.evidence?.source, e.text])).toEqual([
        [false, 'keyword', 'STOP'],
        [true, 'keyword', 'Start'],
      ]);
    });

    if (h.forged) {
      it('refuses a forged request with 401/403 and stores nothing', async () => {
        const user = uid('forged');
        const status = await h.forged!(hub.url!, { user, id: uid('m'), text: 'let me in' });
        expect([401, 403]).toContain(status);
        await new Promise((r) => setTimeout(r, 500));
        expect(await stored(user)).toHaveLength(0);
        expect(texts(user)).toHaveLength(0);
      });
    }

    if (h.malformed) {
      it('answers a malformed payload with a 4xx', async () => {
        const status = await h.malformed!(hub.url!);
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
      });
    }

    if (h.throttleNextSend) {
      it('waits out a 429 retry-after and delivers the reply once', async () => {
        const user = uid('throttled');
        await h.sendText(hub.url!, { user, id: uid('m'), text: 'warm up' });
        await eventually(async () => texts(user).length >= (capabilities.showsNotice ? 1 : 2), 20_000, 'first replies');
        const before = texts(user).length;
        h.throttleNextSend!(1);
        const sentAt = Date.now();
        await h.sendText(hub.url!, { user, id: uid('m'), text: 'now' });
        await eventually(async () => texts(user).length > before, 20_000, 'reply after the wait');
        expect(Date.now() - sentAt).toBeGreaterThanOrEqual(900);
        await new Promise((r) => setTimeout(r, 500));
        expect(texts(user)).toHaveLength(before + 1);
      });
    }

    if (h.refuseNextSend) {
      it('stores a permanent refusal on the reply with the platform code, and does not retry it', async () => {
        const user = uid('refused');
        await h.sendText(hub.url!, { user, id: uid('m'), text: 'warm up' });
        await eventually(async () => texts(user).length >= (capabilities.showsNotice ? 1 : 2), 20_000, 'first replies');
        const code = h.refuseNextSend!();
        await h.sendText(hub.url!, { user, id: uid('m'), text: 'refused' });
        await eventually(async () => (await stored(user)).some((m) => m.direction === 'out' && m.status === 'failed'), 20_000, 'reply failed');
        const failed = (await stored(user)).find((m) => m.status === 'failed')!;
        expect(failed.error?.platformCode).toBe(code);
        expect(failed.error?.retryable).toBe(false);
        expect(failed.attempts).toBe(1);
      });
    }

    describe('with a flow offering three choices', () => {
      beforeAll(async () => {
        const dir = mkdtempSync(join(tmpdir(), 'switchboard-conformance-'));
        writeFileSync(join(dir, 'pick.yaml'), choiceFlow);
        const { accounts } = { accounts: env.config.workspaces[0]!.channels[h.channel]! };
        await hub.stop();
        flowEnv = testEnv({ accounts: [], channels: { [workspace]: { [h.channel]: accounts } }, flows: { [workspace]: { path: dir, start: 'pick' } } });
        flowHub = await startTestHub(flowEnv);
      });

      it('offers the choices as the channel can show them, and the second one round-trips', async () => {
        const user = uid('choice');
        await h.sendText(flowHub.url!, { user, id: uid('m'), text: 'hello' });
        await eventually(async () => h.received(user).length >= 1, 20_000, 'question');
        const question = h.received(user)[0]!;
        if (capabilities.maxChoices >= 3) {
          expect(question.text).toBe('Which colour?');
          expect(question.choices).toEqual(['Red', 'Green', 'Blue']);
        } else {
          expect(question.text).toContain('2. Green');
        }
        if (h.sendChoice && capabilities.maxChoices >= 3) await h.sendChoice(flowHub.url!, { user, id: uid('m'), choiceId: 'green', label: 'Green' });
        else await h.sendText(flowHub.url!, { user, id: uid('m'), text: '2' });
        await eventually(async () => h.received(user).length >= 2, 20_000, 'answer');
        expect(h.received(user)[1]!.text).toBe('You chose green.');
      });
    });
  });
}
