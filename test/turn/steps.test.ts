import { Types } from 'mongoose';
import { describe, expect, it, vi } from 'vitest';
import type { ChannelCapabilities } from '../../core/adapter.js';
import { workspaceSchema } from '../../core/config/schema.js';
import type { Responder } from '../../core/responder.js';
import type { ConversationDoc } from '../../core/store/conversation.js';
import { runSteps } from '../../core/turn/compose.js';
import { consentKeywords } from '../../core/turn/steps/consent-keywords.js';
import { channelOwnForms } from '../../core/turn/steps/own-forms.js';
import { privacyNotice } from '../../core/turn/steps/privacy-notice.js';
import { respond } from '../../core/turn/steps/respond.js';
import type { TurnContext, TurnStep } from '../../core/turn/types.js';

// Pure: each step reads the turn and adds to what it collects; nothing is stored until the commit.

const workspace = workspaceSchema.parse({
  id: 'shop',
  name: 'Shop',
  privacy: { policyUrl: 'https://shop.example/p', notice: { version: 'v2', text: 'Notice: {policyUrl}' } },
});

function turn(
  options: {
    text?: string;
    idle?: 'remind';
    stopped?: boolean;
    noticeVersion?: string;
    capabilities?: Partial<ChannelCapabilities>;
    conversation?: Partial<ConversationDoc>;
    form?: string;
  } = {},
): TurnContext {
  const address = { workspace: 'shop', channel: 'test', account: 'a', user: 'u' };
  const content = options.form
    ? { type: 'form' as const, form: options.form, fields: { name: 'Dana' } }
    : { type: 'text' as const, text: options.text ?? 'hi' };
  return {
    id: 'turn-1',
    address,
    workspace,
    conversation: {
      _id: new Types.ObjectId(),
      workspace: 'shop',
      channel: 'test',
      account: 'a',
      user: 'u',
      contact: 'c',
      status: 'bot',
      seq: 1,
      ...options.conversation,
    } as ConversationDoc,
    contact: {
      id: 'c',
      profile: { name: 'Dana' },
      stopped: options.stopped ?? false,
      ...(options.noticeVersion ? { noticeVersion: options.noticeVersion } : {}),
    },
    capabilities: { maxTextLength: 100, maxChoices: 0, maxChoiceLabelLength: 20, forms: false, typing: false, media: false, ...options.capabilities },
    ...(options.idle ? { idle: options.idle } : { inbound: { platformId: 'p1', address, content, receivedAt: new Date(0).toISOString() } }),
    replyOrder: 1001,
    collected: { replies: [], leads: [], transcripts: [], consents: [], typed: {}, timers: [] },
  };
}

async function run(step: TurnStep, t: TurnContext): Promise<boolean> {
  const next = vi.fn(async () => {});
  await step(t, next);
  return next.mock.calls.length === 1;
}

describe('runSteps', () => {
  it('runs steps in order, each deciding whether the rest run', async () => {
    const order: string[] = [];
    const say =
      (name: string, goOn = true): TurnStep =>
      async (_t, next) => {
        order.push(name);
        if (goOn) await next();
        order.push(`/${name}`);
      };
    await runSteps([say('a'), say('b', false), say('c')], turn());
    expect(order).toEqual(['a', 'b', '/b', '/a']);
  });

  it('throws when a step calls next twice', async () => {
    const twice: TurnStep = async function twice(_t, next) {
      await next();
      await next();
    };
    const after = vi.fn(async (_t: TurnContext, next: () => Promise<void>) => next());
    await expect(runSteps([twice, after], turn())).rejects.toThrow(/twice called next\(\) twice/);
    expect(after).toHaveBeenCalledTimes(1);
  });
});

describe('consentKeywords', () => {
  it('takes STOP in any case, confirms it and records withdrawals of messages and marketing with the message as proof, ending the turn', async () => {
    const t = turn({ text: '  Stop ' });
    expect(await run(consentKeywords, t)).toBe(false);
    expect(t.collected.replies).toEqual([{ text: workspace.privacy.texts.stopped, sender: 'system' }]);
    expect(t.collected.consents).toEqual([
      { purpose: 'messaging', granted: false, textVersion: 'keyword', text: '  Stop ', evidence: { source: 'keyword', key: 'turn-1', messageId: 'turn-1' } },
      {
        purpose: 'marketing',
        granted: false,
        textVersion: 'keyword',
        text: '  Stop ',
        evidence: { source: 'keyword', key: 'turn-1:marketing', messageId: 'turn-1' },
      },
    ]);
  });

  it('takes START only from a contact who said STOP', async () => {
    const stopped = turn({ text: 'start', stopped: true });
    expect(await run(consentKeywords, stopped)).toBe(false);
    expect(stopped.collected.consents[0]).toMatchObject({ purpose: 'messaging', granted: true });
    const active = turn({ text: 'start' });
    expect(await run(consentKeywords, active)).toBe(true);
    expect(active.collected.consents).toEqual([]);
  });

  it('answers a stopped contact with nothing, on message and idle turns alike', async () => {
    expect(await run(consentKeywords, turn({ text: 'hello?', stopped: true }))).toBe(false);
    expect(await run(consentKeywords, turn({ idle: 'remind', stopped: true }))).toBe(false);
    expect(await run(consentKeywords, turn({ idle: 'remind' }))).toBe(true);
  });
});

describe('privacyNotice', () => {
  it('puts the notice first, with the policy link, for a contact who has not seen this version', async () => {
    const t = turn({ noticeVersion: 'v1' });
    t.collected.replies.push({ text: 'already here' });
    expect(await run(privacyNotice, t)).toBe(true);
    expect(t.collected.replies[0]).toEqual({ text: 'Notice: https://shop.example/p', sender: 'system' });
    expect(t.collected.noticeVersion).toBe('v2');
  });

  it('skips contacts who saw it, channels that show it themselves, and idle turns', async () => {
    for (const t of [turn({ noticeVersion: 'v2' }), turn({ capabilities: { showsNotice: true } }), turn({ idle: 'remind' })]) {
      expect(await run(privacyNotice, t)).toBe(true);
      expect(t.collected.replies).toEqual([]);
      expect(t.collected.noticeVersion).toBeUndefined();
    }
  });
});

describe('channelOwnForms', () => {
  const prechat = vi.fn((t: TurnContext) => void (t.collected.typed.name = 'Dana'));
  const step = channelOwnForms((channel) => (channel === 'test' ? { prechat } : undefined));

  it("ends the turn with the channel's handler for its own form", async () => {
    const t = turn({ form: 'prechat' });
    expect(await run(step, t)).toBe(false);
    expect(prechat).toHaveBeenCalledOnce();
    expect(t.collected.typed).toEqual({ name: 'Dana' });
  });

  it('passes on other forms (inherited keys are no handlers), texts and idle turns', async () => {
    for (const t of [
      turn({ form: 'callback' }),
      turn({ form: 'constructor' }),
      turn({ form: 'toString' }),
      turn({ text: 'prechat' }),
      turn({ idle: 'remind' }),
    ])
      expect(await run(step, t)).toBe(true);
  });
});

describe('respond', () => {
  const responder = (outcome = {}) => {
    const calls: Parameters<Responder['respond']>[0][] = [];
    return { calls, respond: async (t: Parameters<Responder['respond']>[0]) => (calls.push(t), { replies: [{ text: 'bot' }], state: 'next', ...outcome }) };
  };

  it("runs the bot from the conversation's state and collects its outcome", async () => {
    const bot = responder({
      status: 'waiting',
      team: 'sales',
      timers: [{ stage: 'remind', afterMs: 1000 }],
      consents: [{ purpose: 'marketing', granted: false, text: 'no offers' }],
    });
    const t = turn({ conversation: { botState: 's1', botPrevState: 's0' } });
    expect(await run(respond(bot), t)).toBe(true);
    expect(bot.calls[0]).toMatchObject({ state: 's1', contact: { name: 'Dana' } });
    expect(t.collected).toMatchObject({
      replies: [{ text: 'bot' }],
      bot: { state: 'next', from: 's1' },
      status: 'waiting',
      team: 'sales',
      timers: [{ stage: 'remind', afterMs: 1000 }],
    });
    expect(t.collected.consents).toMatchObject([
      {
        purpose: 'marketing',
        granted: false,
        textVersion: expect.stringMatching(/^sha256:/),
        evidence: { source: 'flow-intent', key: 'turn-1:consent:0', messageId: 'turn-1' },
      },
    ]);
  });

  it('starts a retried turn from the state that turn started from', async () => {
    const bot = responder();
    await run(respond(bot), turn({ conversation: { botState: 's1', botPrevState: 's0', botTurn: 'turn-1' } }));
    expect(bot.calls[0]!.state).toBe('s0');
  });

  it('stays silent while people own the conversation, unless the turn is a retry of the one that handed off', async () => {
    const bot = responder();
    const waiting = turn({ conversation: { status: 'waiting', botTurn: 'earlier' } });
    expect(await run(respond(bot), waiting)).toBe(false);
    expect(bot.calls).toEqual([]);
    expect(await run(respond(bot), turn({ conversation: { status: 'waiting', botTurn: 'turn-1', botPrevState: 's0' } }))).toBe(true);
    expect(bot.calls).toHaveLength(1);
  });

  it('sets no timers from an idle turn (the message turn set them all)', async () => {
    const t = turn({ idle: 'remind' });
    await run(respond(responder({ timers: [{ stage: 'close', afterMs: 1000 }] })), t);
    expect(t.collected.timers).toEqual([]);
    expect(t.collected.replies).toEqual([{ text: 'bot' }]);
  });
});
