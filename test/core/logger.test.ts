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
