import { describe, expect, it } from 'vitest';
import { databaseGate } from '../../core/turn/database-gate.js';

describe('databaseGate', () => {
  it("lets one workspace's burst in a few at a time, in order, while another workspace's work goes straight through", async () => {
    const gate = databaseGate(2);
    const running: string[] = [];
    const releases = new Map<string, () => void>();
    const work = (name: string) => () =>
      new Promise<string>((resolve) => {
        running.push(name);
        releases.set(name, () => {
          running.splice(running.indexOf(name), 1);
          resolve(name);
        });
      });
    const burst = ['a1', 'a2', 'a3', 'a4', 'a5'].map((name) => gate('a', work(name)));
    await new Promise((r) => setImmediate(r));
    expect(running).toEqual(['a1', 'a2']);

    const b = gate('b', work('b1'));
    await new Promise((r) => setImmediate(r));
    expect(running).toEqual(['a1', 'a2', 'b1']); // not behind a3…a5
    releases.get('b1')!();
    expect(await b).toBe('b1');

    releases.get('a1')!();
    await new Promise((r) => setImmediate(r));
    expect(running).toEqual(['a2', 'a3']);
    for (const name of ['a2', 'a3', 'a4', 'a5']) {
      releases.get(name)!();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(burst)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
  });
});
