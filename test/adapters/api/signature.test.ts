import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sign, verify } from '../../../adapters/api/signature.js';

describe('api channel signatures', () => {
  const body = Buffer.from('{"id":"1","user":"u","text":"hi"}');
  const secret = 'a-secret-of-some-length';

  it('signs as sha256=<hex HMAC-SHA256 of the raw body>, as documented', () => {
    expect(sign(body, secret)).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  });

  it('accepts the right signature and refuses every wrong one without throwing', () => {
    const good = sign(body, secret);
    expect(verify(body, secret, good)).toBe(true);
    expect(verify(body, secret, good.toUpperCase().replace('SHA256=', 'sha256='))).toBe(true);
    for (const bad of [
      undefined,
      '',
      'sha256=',
      good.slice(0, -2),
      `${good}00`,
      good.replace('sha256=', 'sha1='),
      'sha256=zz',
      sign(body, 'another-secret-xx'),
    ]) {
      expect(verify(body, secret, bad)).toBe(false);
    }
    expect(verify(Buffer.from(`${body} `), secret, good)).toBe(false);
  });
});
