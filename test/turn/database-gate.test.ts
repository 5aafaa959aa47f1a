import { describe, expect, it } from 'vitest';
import { databaseGate } from '../../core/turn/database-gate.js';

/** Work that runs until the test releases it, recording what is at the database at any moment. */
function recorder() {
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
  const release = async (name: string) => {
    releases.get(name)!();
    await new Promise((r) => setImmediate(r));
  };
  return { running, work, release };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('databaseGate', () => {
  it("lets one workspace's burst use the whole gate, in order, while it is alone", async () => {
    const gate = databaseGate({ perWorkspace: 2, total: 2 });
    const { running, work, release } = recorder();
    const burst = ['a1', 'a2', 'a3', 'a4'].map((name) => gate('a', work(name)));
    await tick();
    expect(running).toEqual(['a1', 'a2']);
    await release('a1');
    expect(running).toEqual(['a2', 'a3']);
    for (const name of ['a2', 'a3', 'a4']) await release(name);
    expect(await Promise.all(burst)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it("lets another workspace's turn in after at most one of the burst's, then shares the gate in turn", async () => {
    const gate = databaseGate({ perWorkspace: 2, total: 2 });
    const { running, work, release } = recorder();
    const burst = ['a1', 'a2', 'a3', 'a4', 'a5'].map((name) => gate('a', work(name)));
    await tick();
    const b = ['b1', 'b2'].map((name) => gate('b', work(name)));
    await tick();
    expect(running).toEqual(['a1', 'a2']);
    // The first place to free goes to b, not to the burst's a3.
    await release('a1');
    expect(running).toEqual(['a2', 'b1']);
    // Each now has its share of one: a's next goes in only when a's own turn leaves.
    await release('a2');
    expect(running).toEqual(['b1', 'a3']);
    await release('b1');
    expect(running).toEqual(['a3', 'b2']);
    await release('b2');
    // b is done: a has the whole gate again.
    expect(running).toEqual(['a3', 'a4']);
    for (const name of ['a3', 'a4', 'a5']) await release(name);
    expect(await Promise.all([...burst, ...b])).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'b2']);
  });

  it('never lets a workspace past databasePerWorkspace, whatever the total', async () => {
    const gate = databaseGate({ perWorkspace: 2, total: 8 });
    const { running, work } = recorder();
    ['a1', 'a2', 'a3'].map((name) => gate('a', work(name)));
    ['b1', 'b2', 'b3'].map((name) => gate('b', work(name)));
    await tick();
    expect(running).toEqual(['a1', 'a2', 'b1', 'b2']);
  });
});
