import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';

function capture(format?: 'json' | 'pretty'): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination, ...(format ? { format } : {}) });
  return { lines, logger };
}

describe('logs', () => {
  it('are JSON for a log collector, with bodies and secrets redacted', () => {
    const { lines, logger } = capture();
    logger.info({ message: { id: 'm1', text: 'my card is 4111' }, secret: 's3cret' }, 'routed');
    const entry = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect(entry).toMatchObject({ msg: 'routed', name: 'switchboard', message: { id: 'm1', text: '[redacted]' }, secret: '[redacted]' });
  });

  it('are readable lines for people at a terminal, redacted just the same', () => {
    const { lines, logger } = capture('pretty');
    logger.info({ message: { id: 'm1', text: 'my card is 4111' }, secret: 's3cret' }, 'routed');
    const out = lines.join('');
    // eslint-disable-next-line no-control-regex -- colours, when the terminal has them
    const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO \(switchboard\): routed\n/);
    expect(plain).toContain('"id": "m1"');
    expect(plain).toContain('[redacted]');
    expect(plain).not.toContain('4111');
    expect(plain).not.toContain('s3cret');
    expect(() => JSON.parse(out)).toThrow();
  });
});

describe('identifiers in logs', () => {
  it('never shows a person’s identifiers: named fields are redacted, and an error keeps only its type, code, status and a scrubbed message', () => {
    const { lines, logger } = capture();
    // As grammY's GrammyError does: what was sent rides along on the error.
    const err = Object.assign(new Error('Call to sendMessage failed for chat 777000123 (ada@example.com)'), {
      payload: { chat_id: 777000123, text: 'your order 42 is ready, Ada' },
      status: 400,
    });
    logger.warn({ err, user: '420601123456@c.us', platformId: 'false_420601123456@c.us_3EB0', messageId: 'out_1' }, 'delivery failed');
    logger.error({ err: 'webhook answered 500 for +420 601 123 456' }, 'plain text error');
    logger.info({ error: 'HTTP 404 from https://shop.example/orders?email=ada@example.com', reason: 'chat 777000123 not found' }, 'flow http call failed');
    const out = lines.join('');
    for (const leaked of ['777000123', 'ada@example.com', 'Ada', 'your order', '420601123456', '601 123 456']) expect(out).not.toContain(leaked);
    const entry = JSON.parse(lines[0]!) as { err: Record<string, unknown>; messageId: string };
    expect(entry.err).toMatchObject({ type: 'Error', status: 400, message: 'Call to sendMessage failed for chat [number] ([email])' });
    expect(entry.err).not.toHaveProperty('payload');
    expect(entry.messageId).toBe('out_1');
  });
});
