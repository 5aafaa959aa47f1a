import { describe, expect, it } from 'vitest';
import { parseAck, parseMessageEvent } from '../../../adapters/whatsapp/web/inbound.js';
import { fakeNumber, messageEvent } from './fake-whatsapp.js';

const address = { workspace: 'shop', account: 'shop-wa' };

describe('whatsapp web: message events', () => {
  it("maps a text to the sender's chat id, the message id and the WhatsApp name", () => {
    const parsed = parseMessageEvent(messageEvent({ from: '420601123456@c.us', id: '3EB0A1', text: 'Hi there', name: ' Ada ' }), address);
    expect(parsed).toMatchObject({
      kind: 'message',
      message: {
        platformId: 'false_420601123456@c.us_3EB0A1',
        address: { workspace: 'shop', channel: 'whatsapp', account: 'shop-wa', user: '420601123456@c.us' },
        content: { type: 'text', text: 'Hi there' },
        profile: { name: 'Ada' },
      },
    });
  });

  it('answers privacy ids (@lid) and maps files to media with their caption', () => {
    const photo = {
      ...messageEvent({ from: '98765432109876@lid', id: 'P1', text: 'my receipt', type: 'image' }),
      hasMedia: true,
      _data: { mimetype: 'image/jpeg' },
    };
    expect(parseMessageEvent(photo, address)).toMatchObject({
      kind: 'message',
      message: { content: { type: 'media', media: { kind: 'image', ref: 'false_98765432109876@lid_P1', mimeType: 'image/jpeg' }, text: 'my receipt' } },
    });
    const voice = { ...messageEvent({ from: '420601123456@c.us', id: 'V1', text: '', type: 'ptt' }), hasMedia: true };
    expect(parseMessageEvent(voice, address)).toMatchObject({ kind: 'message', message: { content: { type: 'media', media: { kind: 'audio' } } } });
    expect(parseMessageEvent(voice, address)).not.toHaveProperty('message.content.text');
  });

  it('skips groups, status updates, channels, notes to self and empty notifications', () => {
    for (const from of ['120363025555555555@g.us', 'status@broadcast', '120363111111111111@newsletter']) {
      expect(parseMessageEvent(messageEvent({ from, id: 'X', text: 'hello' }), address).kind).toBe('skipped');
      expect(parseMessageEvent(messageEvent({ from: fakeNumber, to: from, id: 'X', text: 'hello', fromMe: true }), address).kind).toBe('skipped');
    }
    expect(parseMessageEvent(messageEvent({ from: fakeNumber, to: fakeNumber, id: 'X', text: 'hi', fromMe: true }), address).kind).toBe('skipped');
    expect(parseMessageEvent(messageEvent({ from: '420601123456@c.us', id: 'X', text: '', type: 'e2e_notification' }), address).kind).toBe('skipped');
  });

  it("maps a message this number sent to the contact's chat it went to, as the business's, without the business's name", () => {
    const typed = messageEvent({ from: fakeNumber, to: '420601123456@c.us', id: '3EB0P1', text: 'Jana here', name: 'Demo Shop', fromMe: true });
    const parsed = parseMessageEvent(typed, address);
    expect(parsed).toMatchObject({
      kind: 'message',
      message: {
        platformId: 'true_420601123456@c.us_3EB0P1',
        address: { user: '420601123456@c.us' },
        content: { type: 'text', text: 'Jana here' },
        fromBusiness: true,
      },
    });
    expect(parsed).not.toHaveProperty('message.profile');
    expect(parseMessageEvent(messageEvent({ from: '420601123456@c.us', id: 'X', text: 'hi' }), address)).not.toHaveProperty('message.fromBusiness');
  });

  it('does not take a shared location or contact card for typed text (their body is a thumbnail or a vCard)', () => {
    const location = messageEvent({ from: '420601123456@c.us', id: 'L1', text: '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYICxIL', type: 'location' });
    expect(parseMessageEvent(location, address)).toEqual({ kind: 'skipped', reason: 'no typed text in a "location" message' });
    const card = messageEvent({ from: '420601123456@c.us', id: 'V2', text: 'BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nEND:VCARD', type: 'vcard' });
    expect(parseMessageEvent(card, address).kind).toBe('skipped');
    const tapped = messageEvent({ from: '420601123456@c.us', id: 'B1', text: 'Opening hours', type: 'buttons_response' });
    expect(parseMessageEvent(tapped, address)).toMatchObject({ kind: 'message', message: { content: { type: 'text', text: 'Opening hours' } } });
  });

  it('names the missing field of a malformed event', () => {
    expect(parseMessageEvent({ id: { _serialized: 'x' }, body: 'no sender', type: 'chat' }, address)).toEqual({
      kind: 'invalid',
      reason: expect.stringMatching(/^from: /),
    });
    expect(parseMessageEvent(null, address)).toMatchObject({ kind: 'invalid' });
  });

  it('turns acks into delivery reports: 2 delivered, 3 read, -1 failed; 1 (server) says nothing new', () => {
    const sent = { id: { _serialized: 'true_420601123456@c.us_3EB0FF' }, fromMe: true };
    expect(parseAck(sent, 2, address)).toMatchObject({
      channel: 'whatsapp',
      account: 'shop-wa',
      platformId: 'true_420601123456@c.us_3EB0FF',
      status: 'delivered',
    });
    expect(parseAck(sent, 3, address)?.status).toBe('read');
    expect(parseAck(sent, -1, address)).toMatchObject({ status: 'failed', error: { platformCode: 'ACK_ERROR' } });
    expect(parseAck(sent, 1, address)).toBeUndefined();
    expect(parseAck({ ...sent, fromMe: false }, 3, address)).toBeUndefined();
  });
});
