import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Mailboxes } from '../../core/queue/mailbox.js';
import { ReadyLists, type TakenWakeUp } from '../../core/queue/ready.js';

// On the real Redis: how a mailbox nobody holds reaches a worker, fairly and through crashes.
let redis: Redis;
let prefix: string;
let mailboxes: Mailboxes;
let ready: ReadyLists;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  const keys = await redis.keys('sbtest-ready-*');
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});
/** Each test on its own prefix: ready lists are per deployment. */
function fresh(): void {
  prefix = `sbtest-ready-${randomBytes(4).toString('hex')}`;
  mailboxes = new Mailboxes(redis, prefix);
  ready = new ReadyLists(redis, prefix);
}

const key = () => randomBytes(16).toString('hex');

async function takeAll(lists: ReadyLists, passOver: string[] = []): Promise<TakenWakeUp[]> {
  const taken: TakenWakeUp[] = [];
  for (;;) {
    const t = await lists.take('in', passOver);
    if (t === undefined || t === 'skipped') return taken;
    taken.push(t);
  }
}

describe('ready lists', () => {
  it('wake a mailbox once for a burst of entries, not while it is held, and again once it is released', async () => {
    fresh();
    const at = { key: key(), workspace: 'a' };
    expect(await mailboxes.pushAndWake('in', at, ['m1'])).toBe(true);
    expect(await mailboxes.pushAndWake('in', at, ['m2', 'm3'])).toBe(false); // a wake-up is on its way
    const [taken, ...more] = await takeAll(ready);
    expect(more).toEqual([]);
    expect(taken).toMatchObject(at);
    expect(await mailboxes.acquire('in', at.key, 'w1', 5000)).toBe(true);
    expect(await mailboxes.pushAndWake('in', at, ['m4'])).toBe(false); // the holder will see it
    for (const done of ['', 'm1', 'm2', 'm3']) await mailboxes.next('in', at.key, 'w1', 5000, done ? { done } : {});
    expect(await mailboxes.next('in', at.key, 'w1', 5000, { done: 'm4' })).toEqual({ kind: 'empty' });
    expect(await mailboxes.pushAndWake('in', at, ['m5'])).toBe(true);
    expect(await takeAll(ready)).toMatchObject([at]);
  });

  it("let the workspaces take turns: one's flood waits behind another's first message", async () => {
    fresh();
    const flood = Array.from({ length: 5 }, () => ({ key: key(), workspace: 'big' }));
    for (const at of flood) await mailboxes.pushAndWake('in', at, ['m']);
    const small = { key: key(), workspace: 'small' };
    await mailboxes.pushAndWake('in', small, ['m']);
    const order = (await takeAll(ready)).map((t) => t.workspace);
    expect(order).toEqual(['big', 'small', 'big', 'big', 'big', 'big']);
    // Within a workspace, oldest first.
    fresh();
    for (const at of flood) await mailboxes.pushAndWake('in', at, ['m']);
    expect((await takeAll(ready)).map((t) => t.key)).toEqual(flood.map((at) => at.key));
  });

  it('pass over a workspace at its share, and take it again once it is not', async () => {
    fresh();
    const busy = { key: key(), workspace: 'busy' };
    await mailboxes.pushAndWake('in', busy, ['m']);
    expect(await ready.take('in', ['busy'])).toBe('skipped');
    const other = { key: key(), workspace: 'other' };
    await mailboxes.pushAndWake('in', other, ['m']);
    expect(await ready.take('in', ['busy'])).toMatchObject(other);
    expect(await ready.take('in', [])).toMatchObject(busy);
    expect(await ready.take('in', [])).toBeUndefined();
  });

  it("put back what a process had taken once its heartbeat stops, and nothing of a live one's", async () => {
    fresh();
    const dead = new ReadyLists(redis, prefix);
    const live = new ReadyLists(redis, prefix);
    await dead.beat(200);
    await live.beat(60_000);
    const lost = { key: key(), workspace: 'a' };
    const kept = { key: key(), workspace: 'a' };
    await ready.wake('in', lost);
    await ready.wake('out', kept);
    expect(await dead.take('in')).toMatchObject(lost);
    expect(await live.take('out')).toMatchObject(kept);
    expect(await ready.sweep()).toBe(0); // both still beat
    await new Promise((r) => setTimeout(r, 300));
    expect(await ready.sweep()).toBe(1);
    expect(await takeAll(ready)).toMatchObject([lost]);
    expect(await ready.take('out')).toBeUndefined();
    expect(await ready.sweep()).toBe(0); // forgotten once swept
  });

  it('count what waits, for /metrics', async () => {
    fresh();
    await ready.wake('in', { key: key(), workspace: 'a' });
    await ready.wake('in', { key: key(), workspace: 'b' });
    await ready.wake('in', { key: key(), workspace: 'b' });
    expect(await ready.depth('in')).toBe(3);
    expect(await ready.depth('out')).toBe(0);
  });
});
