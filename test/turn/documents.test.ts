import { Types } from 'mongoose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Responder, TurnOutcome } from '../../core/responder.js';
import { Contact } from '../../core/store/contact.js';
import { Conversation } from '../../core/store/conversation.js';
import { ConversationEvent } from '../../core/store/conversation-event.js';
import { Lead } from '../../core/store/lead.js';
import { Message } from '../../core/store/message.js';
import { testChannel, type TestChannel } from '../helpers/test-channel.js';

// The turn inserts its messages, leads and a first contact with its conversation lean (cast, defaults and timestamps, but no mongoose
// validation: see core/turn/documents.ts). These are the documents it builds, of every kind,
// checked against the schemas as mongoose would have checked them.

/** Answers with a choice, a whole form and a plain text, and captures a lead with consent. */
class EverythingResponder implements Responder {
  async respond(): Promise<TurnOutcome> {
    return {
      replies: [
        { text: 'Pick one', choices: [{ id: 'a', label: 'A' }] },
        { text: 'Fill this in', form: { id: 'callback', title: 'Call me', fields: [{ name: 'phone', label: 'Phone', type: 'phone', required: true }] } },
        { text: 'Thanks', sender: 'system' },
      ],
      leads: [
        { flow: 'shop', form: 'callback', fields: { phone: '+420123456789', age: 42 }, consent: { purpose: 'marketing', granted: true, text: 'Offers?' } },
      ],
    };
  }
}

let chat: TestChannel;
beforeAll(async () => {
  chat = await testChannel({ responder: new EverythingResponder() });
});
afterAll(() => chat?.close());

it('stores every kind of message and lead a turn builds as its schema requires: cast, with defaults and timestamps, nothing null', async () => {
  const user = 'schema';
  await chat.send('hello', { user });
  await chat.send({ type: 'choice', choiceId: 'a', text: 'A' }, { user });
  await chat.send({ type: 'media', media: { kind: 'image', ref: 'file-1', mimeType: 'image/png' }, text: 'a receipt' }, { user });
  await chat.send({ type: 'form', form: 'callback', fields: { phone: '+420123456789' } }, { user });

  const messages = await Message.find({ user }).lean();
  expect(messages).toHaveLength(16);
  const leads = await Lead.find({ conversation: messages[0]!.conversation }).lean();
  expect(leads).toHaveLength(4);
  const stored = [...messages, ...leads];
  for (const doc of stored) {
    const hydrated = 'direction' in doc ? Message.hydrate(doc) : Lead.hydrate(doc);
    await expect(hydrated.validate()).resolves.toBeUndefined();
    expect(doc.conversation).toBeInstanceOf(Types.ObjectId);
    expect(doc.createdAt).toBeInstanceOf(Date);
    expect(doc.updatedAt).toBeInstanceOf(Date);
    // Absent fields are absent, not null (the driver would store an undefined as null).
    expect(Object.entries(doc).filter(([, v]) => v === null)).toEqual([]);
  }
  const replies = messages.filter((m) => m.direction === 'out');
  expect(replies.every((m) => m.attempts === 0 && m.status === 'queued')).toBe(true);
  expect(replies.find((m) => m.text === 'Pick one')?.choices).toEqual([{ id: 'a', label: 'A' }]);
  const media = messages.find((m) => m.text === 'a receipt');
  expect(media?.media).toEqual({ kind: 'image', ref: 'file-1', mimeType: 'image/png' });
});

it("stores a person's first contact and conversation as their schemas require, the contact pointing at the conversation", async () => {
  const user = 'newcomer';
  await chat.send('hello', { user });
  const contact = (await Contact.findOne({ user }).lean())!;
  const conversation = (await Conversation.findOne({ user }).lean())!;
  await expect(Contact.hydrate(contact).validate()).resolves.toBeUndefined();
  await expect(Conversation.hydrate(conversation).validate()).resolves.toBeUndefined();
  expect(contact.openConversation).toEqual(conversation._id);
  expect(conversation).toMatchObject({ contact: contact._id, status: 'bot', seq: 1 });
  for (const doc of [contact, conversation]) {
    expect(doc.createdAt).toBeInstanceOf(Date);
    expect(Object.entries(doc).filter(([, v]) => v === null)).toEqual([]);
  }
});

it('stores what the business wrote from its own device, and the takeover event, as their schemas require', async () => {
  const user = 'echoed';
  await chat.send({ ...chat.inbound('We are on it', { user }), fromBusiness: true });
  const [message] = await Message.find({ user }).lean();
  expect(message).toMatchObject({ direction: 'out', sender: 'agent', senderName: 'Business device', status: 'processed', replies: 0 });
  const [event] = await ConversationEvent.find({ conversation: message!.conversation }).lean();
  await expect(Message.hydrate(message).validate()).resolves.toBeUndefined();
  await expect(ConversationEvent.hydrate(event).validate()).resolves.toBeUndefined();
  for (const doc of [message!, event!]) expect(Object.entries(doc).filter(([, v]) => v === null)).toEqual([]);
  expect(event).toMatchObject({ kind: 'taken', actor: 'echo:test', details: { dropped: 0 } });
});
