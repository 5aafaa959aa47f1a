import { describe, expect, it } from 'vitest';
import { encodeChoice } from '../../../adapters/telegram/choice-data.js';
import { parseUpdate, parseUpdateBody } from '../../../adapters/telegram/inbound.js';
import { PayloadError } from '../../../core/errors.js';
import { callbackUpdate, textUpdate, tgUser } from '../../fakes/telegram-api.js';

const target = { workspace: 'shop', account: 'shop-bot', startKeyword: 'start' };
const chat = { id: 4242, type: 'private', first_name: 'Ada' };
const from = tgUser(4242, { first_name: 'Ada', last_name: 'Lovelace', language_code: 'cs' });
const message = (extra: Record<string, unknown>) => ({ update_id: 9, message: { message_id: 77, date: 1700000000, chat, from, ...extra } });

describe('telegram updates → normalized messages', () => {
  it('a text message: the chat is the address, the sender fills the profile, the id is chat:message', () => {
    const { messages } = parseUpdate(textUpdate({ updateId: 5, chatId: 4242, messageId: 77, text: 'Hello', from }), target);
    expect(messages).toEqual([
      {
        platformId: '4242:77',
        address: { workspace: 'shop', channel: 'telegram', account: 'shop-bot', user: '4242' },
        receivedAt: expect.any(String),
        content: { type: 'text', text: 'Hello' },
        profile: { name: 'Ada Lovelace', locale: 'cs' },
      },
    ]);
  });

  it('a redelivered update gives the same platform id (so the hub stores it once)', () => {
    const update = textUpdate({ updateId: 5, chatId: 4242, messageId: 77, text: 'Hello' });
    expect(parseUpdate(update, target).messages[0]!.platformId).toBe(parseUpdate(structuredClone(update), target).messages[0]!.platformId);
  });

  it('an edit is a new message pointing at the original', () => {
    const { messages } = parseUpdate(
      { update_id: 12, edited_message: { message_id: 77, date: 1700000000, edit_date: 1700000100, chat, from, text: 'Hello, edited' } },
      target,
    );
    expect(messages[0]).toMatchObject({ platformId: '4242:77:edit:12', editOf: '4242:77', content: { type: 'text', text: 'Hello, edited' } });
  });

  it('a photo is media with its largest size and the caption as text; a document keeps its name and type', () => {
    const photo = parseUpdate(
      message({
        photo: [
          { file_id: 'small', file_unique_id: 's', width: 90, height: 90 },
          { file_id: 'large', file_unique_id: 'l', width: 1280, height: 1280 },
        ],
        caption: 'my receipt',
      }),
      target,
    );
    expect(photo.messages[0]!.content).toEqual({ type: 'media', media: { kind: 'image', ref: 'large' }, text: 'my receipt' });
    const doc = parseUpdate(message({ document: { file_id: 'doc1', file_unique_id: 'd', file_name: 'invoice.pdf', mime_type: 'application/pdf' } }), target);
    expect(doc.messages[0]!.content).toEqual({ type: 'media', media: { kind: 'document', ref: 'doc1', mimeType: 'application/pdf', name: 'invoice.pdf' } });
    // An animation also carries `document` (backward compatibility); it is a video, not a file.
    const gif = parseUpdate(
      message({ animation: { file_id: 'anim', file_unique_id: 'a', mime_type: 'video/mp4' }, document: { file_id: 'anim', file_unique_id: 'a' } }),
      target,
    );
    expect(gif.messages[0]!.content).toEqual({ type: 'media', media: { kind: 'video', ref: 'anim', mimeType: 'video/mp4' } });
  });

  it('a bare /start is the START keyword; a deep-link payload is its text', () => {
    expect(parseUpdate(message({ text: '/start' }), target).messages[0]!.content).toEqual({ type: 'text', text: 'start' });
    expect(parseUpdate(message({ text: '/start' }), { ...target, startKeyword: 'resume' }).messages[0]!.content).toEqual({ type: 'text', text: 'resume' });
    expect(parseUpdate(message({ text: '/start order_status' }), target).messages[0]!.content).toEqual({ type: 'text', text: 'order_status' });
    expect(parseUpdate(message({ text: '/start@switchboard_test_bot human' }), target).messages[0]!.content).toEqual({ type: 'text', text: 'human' });
    expect(parseUpdate(message({ text: '/started' }), target).messages[0]!.content).toEqual({ type: 'text', text: '/started' });
  });

  it('a button press is the choice (with its label) and must be answered', () => {
    const sent = { message_id: 1000, chat, date: 0, text: 'Which?', reply_markup: { inline_keyboard: [[{ text: 'Opening hours', callback_data: 'hours' }]] } };
    const parsed = parseUpdate(callbackUpdate({ updateId: 20, queryId: 'q-1', chatId: 4242, message: sent, label: 'Opening hours', from }), target);
    expect(parsed.callbackQueryId).toBe('q-1');
    expect(parsed.messages[0]).toMatchObject({
      platformId: 'cb:q-1',
      address: { user: '4242' },
      content: { type: 'choice', choiceId: 'hours', text: 'Opening hours' },
      profile: { name: 'Ada Lovelace' },
    });
  });

  it('a choice id too long for callback_data round-trips through its label', () => {
    const id = 'x'.repeat(65);
    const data = encodeChoice(id);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(encodeChoice('order_status')).toBe('order_status');
    expect(encodeChoice('ä'.repeat(33))).not.toBe('ä'.repeat(33)); // 66 bytes
    const sent = { message_id: 1000, chat, date: 0, text: 'Which?', reply_markup: { inline_keyboard: [[{ text: 'Long one', callback_data: data }]] } };
    const parsed = parseUpdate(callbackUpdate({ updateId: 21, queryId: 'q-2', chatId: 4242, message: sent, label: 'Long one' }), target);
    expect(parsed.messages[0]!.content).toEqual({ type: 'choice', choiceId: data, text: 'Long one' });
  });

  it('updates the hub does not handle are answered but carry no message', () => {
    expect(parseUpdate({ update_id: 30, poll: { id: 'p' } }, target)).toEqual({ messages: [], ignored: 'update type not handled' });
    expect(parseUpdate(message({ location: { latitude: 1, longitude: 2 } }), target).messages).toEqual([]);
    expect(parseUpdate(message({ text: 'hi', from: { ...from, is_bot: true } }), target).messages).toEqual([]);
    const game = parseUpdate({ update_id: 31, callback_query: { id: 'q-3', from, chat_instance: 'c', game_short_name: 'g' } }, target);
    expect(game).toMatchObject({ messages: [], callbackQueryId: 'q-3' });
  });

  it('fields Telegram adds later never refuse an update', () => {
    const { messages } = parseUpdate({ ...message({ text: 'hi', some_new_field: { x: 1 } }), another_new_field: true }, target);
    expect(messages).toHaveLength(1);
  });

  it('refuses what is not an update with a PayloadError naming the problem', () => {
    expect(() => parseUpdateBody(Buffer.from('{"update_id": 1,'), target)).toThrow(new PayloadError('body is not valid JSON'));
    expect(() => parseUpdate({ message: { text: 'hi' } }, target)).toThrow(/not a Telegram update: "update_id"/);
    expect(() => parseUpdate({ update_id: 1, message: { message_id: 1, date: 1, text: 'hi' } }, target)).toThrow(/"message.chat"/);
    expect(() => parseUpdate([], target)).toThrow(PayloadError);
  });
});
