import { recordConsent } from '../../core/consent.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetOwnForms } from '../../adapters/widget/own-form-handlers.js';
import { AutoReplyResponder, type Responder, type Turn, type TurnOutcome } from '../../core/responder.js';
import { ConversationEvent } from '../../core/store/conversation-event.js';
import { Lead } from '../../core/store/lead.js';
import { Message } from '../../core/store/message.js';
import { testChannel, type TestChannel } from '../helpers/test-channel.js';

const notice = { version: '2026-01', text: 'We keep what you write for 12 months. {policyUrl}' };

describe('a message turn', () => {
  let chat: TestChannel;
  beforeAll(async () => {
    chat = await testChannel({ responder: new AutoReplyResponder(), privacy: { policyUrl: 'https://shop.example/privacy', notice } });
  });
  afterAll(() => chat?.close());

  it('answers with the privacy notice first, once per version, recorded with the reply that carried it', async () => {
    const first = await chat.send('hi');
    expect(first.map((r) => [r.sender, r.text])).toEqual([
      ['system', 'We keep what you write for 12 months. https://shop.example/privacy'],
      ['bot', 'auto-reply from shop'],
    ]);
    expect((await chat.send('and again')).map((r) => r.text)).toEqual(['auto-reply from shop']);
    const shown = (await chat.consents()).filter((c) => c.purpose === 'notice');
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ granted: true, textVersion: '2026-01', evidence: { messageId: first[0]!.id } });
    expect(await chat.contact()).toMatchObject({ noticeVersion: '2026-01' });
  });

  it('stores the message and its replies in conversation order, answered once however often it is delivered', async () => {
    const message = chat.inbound('twice', { user: 'bob' });
    const replies = await chat.send(message);
    expect(await chat.send(message)).toEqual(replies); // a duplicate re-queues the same replies, stores nothing new
    const stored = await chat.messages('bob');
    expect(stored.map((m) => [m.direction, m.text])).toEqual([
      ['in', 'twice'],
      ['out', 'We keep what you write for 12 months. https://shop.example/privacy'],
      ['out', 'auto-reply from shop'],
    ]);
    expect(stored[0]).toMatchObject({ status: 'processed', replies: 2 });
  });

  it('answers a message redelivered after later ones once, from what it stored, without running the bot again', async () => {
    const first = chat.inbound('one', { user: 'bea' });
    const replies = await chat.send(first);
    await chat.send('two', { user: 'bea' });
    await chat.send('three', { user: 'bea' });
    const before = await chat.messages('bea');
    const { seq } = (await chat.conversation('bea'))!;
    expect(await chat.send(first)).toEqual(replies);
    expect(await chat.messages('bea')).toEqual(before);
    expect((await chat.conversation('bea'))!.seq).toBe(seq); // no turn ran: the conversation did not move on
  });

  it('reads what changed outside the turns once the snapshot is marked stale', async () => {
    await chat.send('hello', { user: 'cat' });
    // As the widget's consent does: the ledger and the contact change, then the snapshot is marked stale.
    await recordConsent({
      address: chat.address('cat'),
      purpose: 'messaging',
      granted: false,
      textVersion: 'v1',
      evidence: { source: 'test', key: 'cat-stop' },
    });
    chat.staleSnapshots();
    expect(await chat.send('still there?', { user: 'cat' })).toEqual([]);
  });

  it('hands the conversation to people when the business writes from its own device, once however often it is delivered', async () => {
    await chat.send('hello', { user: 'dan' });
    const echo = { ...chat.inbound('STOP, we are on it', { user: 'dan' }), fromBusiness: true as const };
    expect(await chat.send(echo)).toEqual([]); // the business's words are no keyword of the contact's
    chat.staleSnapshots(); // the redelivery reads MongoDB: it finds the echo handled
    expect(await chat.send(echo)).toEqual([]);
    const conversation = (await chat.conversation('dan'))!;
    expect(conversation.status).toBe('agent');
    expect(await ConversationEvent.find({ conversation: conversation._id }, { _id: 0, kind: 1, actor: 1 }).lean()).toEqual([
      { kind: 'taken', actor: 'echo:test' },
    ]);
    expect(await chat.send('anyone?', { user: 'dan' })).toEqual([]);
    expect((await chat.messages('dan')).map((m) => [m.direction, m.sender, m.text])).toEqual([
      ['in', 'contact', 'hello'],
      ['out', 'system', 'We keep what you write for 12 months. https://shop.example/privacy'],
      ['out', 'bot', 'auto-reply from shop'],
      ['out', 'agent', 'STOP, we are on it'],
      ['in', 'contact', 'anyone?'],
    ]);
    expect((await chat.contact('dan'))?.stopped).not.toBe(true);
  });

  it('STOP silences everything until START, each recorded in the ledger with the message as proof', async () => {
    await chat.send('hello', { user: 'carol' });
    expect((await chat.send('STOP', { user: 'carol' })).map((r) => r.text)).toEqual([expect.stringMatching(/./)]);
    expect(await chat.contact('carol')).toMatchObject({ stopped: true });
    expect(await chat.send('anyone there?', { user: 'carol' })).toEqual([]);
    expect((await chat.messages('carol')).some((m) => m.text === 'anyone there?')).toBe(true); // stored for the record
    const started = await chat.send('start', { user: 'carol' });
    expect(started).toHaveLength(1);
    expect(started[0]!.sender).toBe('system');
    expect((await chat.send('back', { user: 'carol' })).map((r) => r.text)).toEqual(['auto-reply from shop']);
    const messaging = (await chat.consents('carol')).filter((c) => c.purpose === 'messaging');
    expect(messaging.map((c) => [c.granted, c.text, c.textVersion])).toEqual([
      [false, 'STOP', 'keyword'],
      [true, 'start', 'keyword'],
    ]);
  });
});

describe("forms the channel's own client shows", () => {
  let chat: TestChannel;
  const seen: Turn[] = [];
  beforeAll(async () => {
    const responder: Responder = { respond: async (turn) => (seen.push(turn), { replies: [{ text: 'the bot' }] }) };
    chat = await testChannel({ responder, ownForms: widgetOwnForms, capabilities: { forms: true, showsNotice: true }, privacy: { notice } });
  });
  afterAll(() => chat?.close());

  it('puts a pre-chat form on the contact, records its consent, and keeps it from the bot', async () => {
    const consent = { purpose: 'marketing', granted: false, text: 'Send me offers', version: 'offers-1' };
    const replies = await chat.send({
      type: 'form',
      form: 'prechat',
      fields: { name: 'Dana', email: 'dana@example.com', phone: '+420601234567', note: 'x' },
      consent,
    });
    expect(replies).toEqual([]); // the widget shows the notice itself
    expect(seen).toHaveLength(0);
    expect(await chat.contact()).toMatchObject({ name: 'Dana', email: 'dana@example.com', phone: '+420601234567', typed: ['name', 'email', 'phone'] });
    expect(await chat.consents()).toMatchObject([{ purpose: 'marketing', granted: false, text: 'Send me offers', textVersion: 'offers-1' }]);
    expect((await chat.send('hi')).map((r) => r.text)).toEqual(['the bot']);
    expect(seen[0]!.contact).toEqual({ name: 'Dana' });
  });

  it('stores an offline form as a lead and acknowledges it', async () => {
    const replies = await chat.send({ type: 'form', form: 'offline', fields: { email: 'eve@example.com', message: 'Call me' } }, { user: 'eve' });
    expect(replies).toMatchObject([{ sender: 'system' }]);
    expect(await Lead.find({ workspace: 'shop', channel: 'test' }).lean()).toMatchObject([
      { flow: '-', form: 'offline', fields: { email: 'eve@example.com', message: 'Call me' } },
    ]);
  });

  it('hands a form it does not own to the bot', async () => {
    seen.length = 0;
    await chat.send({ type: 'form', form: 'constructor', fields: { a: 'b' } }, { user: 'frank' });
    expect(seen).toHaveLength(1);
  });
});

/** A bot as a developer would write one: asks once, reminds, then closes; remembers each step in its state. */
class QuizBot implements Responder {
  readonly states: (string | undefined)[] = [];
  async respond(turn: Turn): Promise<TurnOutcome> {
    this.states.push(turn.state);
    if (turn.idle === 'remind') return { replies: [{ text: 'Still there?' }], state: 'reminded' };
    if (turn.idle === 'close') return { replies: [{ text: 'Closing this chat.' }], state: 'closed', status: 'closed' };
    return {
      replies: [{ text: 'What is 2 + 2?' }],
      state: 'asked',
      timers: [
        { stage: 'remind', afterMs: 60_000 },
        { stage: 'close', afterMs: 120_000 },
      ],
    };
  }
}

describe('an idle turn', () => {
  let chat: TestChannel;
  const bot = new QuizBot();
  beforeAll(async () => {
    chat = await testChannel({ responder: bot });
  });
  afterAll(() => chat?.close());

  it('reminds, then closes the conversation; the next message opens a new one', async () => {
    expect((await chat.send('hi')).map((r) => r.text)).toEqual(['What is 2 + 2?']);
    const reminder = await chat.idle('remind');
    expect(reminder.map((r) => r.text)).toEqual(['Still there?']);
    const closing = await chat.idle('close');
    expect(closing.map((r) => r.text)).toEqual(['Closing this chat.']);
    // Idle replies come after the turn's own and before the next turn's.
    expect(closing[0]!.order).toBeGreaterThan(reminder[0]!.order);
    const closed = await chat.conversation();
    expect(closed).toMatchObject({ status: 'closed', botState: 'closed', botPrevState: 'reminded' });
    expect((await chat.contact())?.openConversation).toBeUndefined();
    await chat.send('hello again');
    expect(String((await chat.conversation())?._id)).not.toBe(String(closed?._id));
  });

  it('is moot once the contact has spoken again', async () => {
    await chat.send('hi', { user: 'gus' });
    const timer = await chat.timer('remind', 'gus');
    await chat.send('4', { user: 'gus' });
    expect((await chat.turns.idle(timer!)).replies).toEqual([]);
  });

  it('sends its replies once after a crash between storing its state and its messages', async () => {
    await chat.send('hi', { user: 'hana' });
    const timer = (await chat.timer('close', 'hana'))!;
    const first = await chat.idle('close', 'hana');
    const from = bot.states.at(-1);
    // As if the process died after the state was stored: the conversation is closed, the replies are not stored.
    await Message.deleteMany({ _id: { $in: first.map((r) => r.id) } });
    const again = await chat.stored((await chat.turns.idle(timer)).replies);
    expect(bot.states.at(-1)).toBe(from); // the retry started where the first attempt did
    expect(again).toEqual(first);
  });

  it('reminds nobody who said STOP', async () => {
    await chat.send('hi', { user: 'ida' });
    await chat.send('stop', { user: 'ida' });
    const replies = await chat.idle('remind', 'ida');
    expect(replies).toEqual([]);
  });
});
