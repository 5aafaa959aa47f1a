import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { botFrameworkAccountSchema, isLoopbackServiceUrl } from '../../../adapters/botframework/config.js';
import { parseActivity, parseActivityBody } from '../../../adapters/botframework/inbound.js';
import { retryAfterMs, toChannelApiError } from '../../../adapters/botframework/send-error.js';
import { PayloadError } from '../../../core/errors.js';

const at = { workspace: 'ws', account: 'bot' };
const activity = (extra: Partial<Activity> = {}): Activity =>
  ({
    type: 'message',
    id: 'a1',
    serviceUrl: 'https://smba.trafficmanager.net/teams/',
    channelId: 'msteams',
    from: { id: '29:user', name: 'Ada' },
    recipient: { id: '28:bot', name: 'Shop' },
    conversation: { id: 'a:personal' },
    ...extra,
  }) as Activity;

describe('activities to normalized messages', () => {
  it('drops the bot @mention Teams puts in group messages', () => {
    const parsed = parseActivity(
      activity({
        conversation: { id: '19:chan@thread.skype', isGroup: true } as Activity['conversation'],
        text: '<at>Shop</at> opening hours',
        entities: [{ type: 'mention', mentioned: { id: '28:bot', name: 'Shop' }, text: '<at>Shop</at>' }],
      }),
      at,
    );
    expect(parsed?.message.content).toEqual({ type: 'text', text: 'opening hours' });
    expect(parsed?.message.address.user).toBe('19:chan@thread.skype/29:user');
  });

  it('reads a file the person sent as media, ignoring cards and the HTML copy of the text', () => {
    const parsed = parseActivity(
      activity({
        attachments: [
          { contentType: 'text/html', content: '<p>x</p>' },
          { contentType: 'application/vnd.microsoft.card.adaptive', content: {} },
          { contentType: 'image/png', contentUrl: 'https://files.example/cat.png', name: 'cat.png' },
        ],
      }),
      at,
    );
    expect(parsed?.message.content).toEqual({
      type: 'media',
      media: { kind: 'image', ref: 'https://files.example/cat.png', mimeType: 'image/png', name: 'cat.png' },
    });
  });

  it('keeps the profile and only what a reply needs in the reference', () => {
    const parsed = parseActivity(activity({ text: 'hi', locale: 'de-DE', channelData: { tenant: { id: 't' } } }), at)!;
    expect(parsed.message.profile).toEqual({ name: 'Ada', locale: 'de-DE' });
    expect(JSON.parse(JSON.stringify(parsed.reference))).toEqual({
      channelId: 'msteams',
      serviceUrl: 'https://smba.trafficmanager.net/teams/',
      locale: 'de-DE',
      conversation: { id: 'a:personal' },
      bot: { id: '28:bot', name: 'Shop' },
      user: { id: '29:user', name: 'Ada' },
    });
  });

  it('reads the text past malformed entities and attachments instead of failing the request (a 500 the channel would retry)', () => {
    const parsed = parseActivity(
      activity({ text: 'hi', entities: [{}, { type: 'mention' }, null] as never, attachments: [null, { contentUrl: 'https://x/y' }] as never }),
      at,
    );
    expect(parsed?.message.content).toEqual({ type: 'text', text: 'hi' });
    expect(parseActivity(activity({ attachments: { contentType: 'image/png' } as never }), at)).toBeUndefined();
    expect(parseActivity(activity({ attachments: [{ contentUrl: 'https://x/y' }] as never }), at)).toBeUndefined();
  });

  it('refuses a body that is not an activity', () => {
    expect(() => parseActivityBody(Buffer.from('null'))).toThrow(PayloadError);
    expect(() => parseActivity(activity({ text: 'hi', recipient: undefined }), at)).toThrow('"recipient.id": expected the bot id');
  });
});

describe('connector failures to queue decisions', () => {
  const rest = (statusCode: number, code: string, headers: Record<string, string> = {}) =>
    Object.assign(new Error('refused'), { name: 'RestError', statusCode, code, response: { headers: { get: (h: string) => headers[h] } } });

  it('429 waits for Retry-After, in seconds or as a date', () => {
    expect(toChannelApiError(rest(429, 'TooManyRequests', { 'retry-after': '3' }))).toMatchObject({ retryable: true, retryAfterMs: 3000, status: 429 });
    expect(retryAfterMs(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5_000);
  });

  it('transient statuses and network failures are retried; refusals keep the connector code and are not', () => {
    expect(toChannelApiError(rest(502, 'BadGateway')).retryable).toBe(true);
    expect(toChannelApiError(rest(412, 'PreconditionFailed')).retryable).toBe(true);
    expect(toChannelApiError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({
      retryable: true,
      platformCode: 'ECONNREFUSED',
    });
    expect(toChannelApiError(rest(401, 'Unauthorized'))).toMatchObject({ retryable: false, platformCode: 'Unauthorized', status: 401 });
    expect(toChannelApiError(rest(400, ''))).toMatchObject({ retryable: false, platformCode: '400' });
  });
});

describe('account config', () => {
  it('wants a password with an app id, a tenant for single-tenant apps, and emulator mode said explicitly', () => {
    expect(botFrameworkAccountSchema.safeParse({ account: 'b', emulator: true }).success).toBe(true);
    const issues = (c: object) => botFrameworkAccountSchema.safeParse({ account: 'b', ...c }).error?.issues.map((i) => i.path.join('.'));
    expect(issues({})).toEqual(['appId']);
    expect(issues({ appId: 'id' })).toEqual(['appPassword']);
    expect(issues({ appId: 'id', appPassword: 'p', appType: 'SingleTenant' })).toEqual(['tenantId']);
    expect(issues({ appPassword: 'p', emulator: true })).toEqual(['appPassword']);
    expect(issues({ appId: 'id', appPassword: 'p', emulator: true })).toEqual(['emulator']);
  });

  it('in emulator mode takes only loopback service URLs', () => {
    expect(['http://127.0.0.1:3978', 'http://localhost:9000/', 'http://[::1]:80'].map(isLoopbackServiceUrl)).toEqual([true, true, true]);
    expect(
      ['https://smba.trafficmanager.net/teams/', 'http://169.254.169.254/', 'http://127.0.0.1.evil.example/', 'nonsense', 42].map(isLoopbackServiceUrl),
    ).toEqual([false, false, false, false, false]);
  });
});
