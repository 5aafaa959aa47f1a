import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { drainMailbox, type EntryOutcome } from '../../core/pipeline/drain.js';
import { Mailboxes } from '../../core/queue/mailbox.js';

// On the real Redis: the hand-over rules that keep a conversation in order across workers and crashes.
let redis: Redis;
let mailboxes: Mailboxes;
const prefix = `sbtest-mbox-${randomBytes(4).toString('hex')}`;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  mailboxes = new Mailboxes(redis, prefix);
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

const key = () => randomBytes(6).toString('hex');

describe('Mailboxes', () => {
  it('asks for a wake-up only while nobody holds the mailbox', async () => {
    const k = key();
    expect(await mailboxes.push('in', k, ['a'])).toBe(true);
    expect(await mailboxes.acquire('in', k, 'w1', 5000)).toBe(true);
    expect(await mailboxes.push('in', k, ['b'])).toBe(false); // the holder will see it
    const other = await mailboxes.acquire('in', k, 'w2', 5000);
    expect(other).toBeGreaterThan(4000); // busy: the holder's lease has this long to run
    expect(await mailboxes.next('in', k, 'w1', 5000)).toEqual({ kind: 'entry', entry: 'a' });
    expect(await mailboxes.next('in', k, 'w1', 5000, { done: 'a' })).toEqual({ kind: 'entry', entry: 'b' });
    expect(await mailboxes.next('in', k, 'w1', 5000, { done: 'b' })).toEqual({ kind: 'empty' });
    // Emptied and released in one step: the next entry wakes someone.
    expect(await mailboxes.push('in', k, ['c'])).toBe(true);
  });

  it('tells a holder whose lease expired that it lost it, and lets the next one take over at the same entry', async () => {
    const k = key();
    await mailboxes.push('out', k, ['r1', 'r2']);
    expect(await mailboxes.acquire('out', k, 'dead', 50)).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(await mailboxes.acquire('out', k, 'next', 5000)).toBe(true);
    expect(await mailboxes.next('out', k, 'dead', 5000)).toEqual({ kind: 'lost' });
    expect(await mailboxes.next('out', k, 'next', 5000)).toEqual({ kind: 'entry', entry: 'r1' });
  });

  it('keeps everyone out while the first entry waits', async () => {
    const k = key();
    await mailboxes.push('out', k, ['r1']);
    await mailboxes.acquire('out', k, 'w1', 5000);
    await mailboxes.pause('out', k, 'w1', 200);
    expect(await mailboxes.acquire('out', k, 'w2', 5000)).toBeGreaterThan(100);
    await new Promise((r) => setTimeout(r, 250));
    expect(await mailboxes.acquire('out', k, 'w2', 5000)).toBe(true);
  });
});

describe('drainMailbox', () => {
  it('handles entries in order, each removed only once handled', async () => {
    const k = key();
    await mailboxes.push('in', k, ['1', '2', '3']);
    const seen: string[] = [];
    const result = await drainMailbox({ mailboxes, kind: 'in', key: k, leaseMs: 5000, handle: async (e) => (seen.push(e), 'done') });
    expect(result).toEqual({ kind: 'drained' });
    expect(seen).toEqual(['1', '2', '3']);
    expect(await mailboxes.entries('in', k)).toEqual([]);
  });

  it('leaves an entry that failed first in line for whoever comes next', async () => {
    const k = key();
    await mailboxes.push('in', k, ['1', '2']);
    await expect(
      drainMailbox({
        mailboxes,
        kind: 'in',
        key: k,
        leaseMs: 5000,
        handle: async (e) => {
          if (e === '2') throw new Error('database down');
          return 'done';
        },
      }),
    ).rejects.toThrow('database down');
    expect(await mailboxes.entries('in', k)).toEqual(['2']);
    // The lease was given back, so a retry starts at once.
    const seen: string[] = [];
    await drainMailbox({ mailboxes, kind: 'in', key: k, leaseMs: 5000, handle: async (e) => (seen.push(e), 'done') });
    expect(seen).toEqual(['2']);
  });

  it('pauses the mailbox when its first entry must wait, so nothing behind it overtakes', async () => {
    const k = key();
    await mailboxes.push('out', k, ['r1', 'r2']);
    const attempts: string[] = [];
    let first = true;
    const handle = async (e: string): Promise<EntryOutcome> => {
      attempts.push(e);
      if (e === 'r1' && first) return ((first = false), { retryInMs: 150 });
      return 'done';
    };
    expect(await drainMailbox({ mailboxes, kind: 'out', key: k, leaseMs: 5000, handle })).toEqual({ kind: 'wait', retryInMs: 150 });
    expect(await drainMailbox({ mailboxes, kind: 'out', key: k, leaseMs: 5000, handle })).toMatchObject({ kind: 'busy' });
    await new Promise((r) => setTimeout(r, 200));
    expect(await drainMailbox({ mailboxes, kind: 'out', key: k, leaseMs: 5000, handle })).toEqual({ kind: 'drained' });
    expect(attempts).toEqual(['r1', 'r1', 'r2']);
  });

  it('keeps the lease through an entry that outlasts it', async () => {
    const k = key();
    await mailboxes.push('in', k, ['slow', 'next']);
    const seen: string[] = [];
    const result = await drainMailbox({
      mailboxes,
      kind: 'in',
      key: k,
      leaseMs: 150,
      handle: async (e) => {
        if (e === 'slow') await new Promise((r) => setTimeout(r, 400)); // a slow flow `http` call
        seen.push(e);
        return 'done';
      },
    });
    expect(result).toEqual({ kind: 'drained' });
    expect(seen).toEqual(['slow', 'next']);
  });

  it('hands the rest over when the process stops', async () => {
    const k = key();
    await mailboxes.push('in', k, ['1', '2', '3']);
    const seen: string[] = [];
    const result = await drainMailbox({
      mailboxes,
      kind: 'in',
      key: k,
      leaseMs: 5000,
      stopping: () => seen.length > 0,
      handle: async (e) => (seen.push(e), 'done'),
    });
    expect(result).toEqual({ kind: 'stopped' });
    expect(seen).toEqual(['1']);
    expect(await mailboxes.entries('in', k)).toEqual(['2', '3']);
    expect(await mailboxes.acquire('in', k, 'another', 5000)).toBe(true);
  });

  it("keeps a conversation's snapshot beside its mailbox, and hands it out only while nobody has marked it stale", async () => {
    const k = key();
    await mailboxes.push('in', k, ['m1', 'm2', 'm3']);
    expect(await mailboxes.acquire('in', k, 'w', 5000)).toBe(true);
    const first = await mailboxes.next('in', k, 'w', 5000, { readSnapshot: true });
    expect(first).toEqual({ kind: 'entry', entry: 'm1', snapshot: { gen: '0', outbound: 0 } }); // none yet
    // Stored as the entry it was made by is popped, and handed out with the next one.
    const save = { value: 'after m1', recent: '["m1"]', gen: '0', ttlMs: 60_000 };
    const second = await mailboxes.next('in', k, 'w', 5000, { done: 'm1', save, readSnapshot: true });
    expect(second).toEqual({ kind: 'entry', entry: 'm2', snapshot: { gen: '0', value: 'after m1', recent: '["m1"]', outbound: 0 } });
    // Someone changes the conversation outside the turns while m2's turn runs: what that turn stores is stale too.
    await mailboxes.staleSnapshot(k, 60_000);
    const third = await mailboxes.next('in', k, 'w', 5000, { done: 'm2', save: { ...save, value: 'after m2', recent: '["m2","m1"]' }, readSnapshot: true });
    expect(third).toEqual({ kind: 'entry', entry: 'm3', snapshot: { gen: '1', recent: '["m2","m1"]', outbound: 0 } }); // the recent ids stay
    const fourth = await mailboxes.next('in', k, 'w', 5000, { done: 'm3', save: { ...save, value: 'after m3', gen: '1' } });
    expect(fourth).toEqual({ kind: 'empty' });
    await mailboxes.push('in', k, ['m4']);
    expect(await mailboxes.acquire('in', k, 'w', 5000)).toBe(true);
    expect(await mailboxes.next('in', k, 'w', 5000, { readSnapshot: true })).toMatchObject({ snapshot: { gen: '1', value: 'after m3' } });
  });

  it("says with each inbound entry how many replies wait in the conversation's outbound mailbox, and holds replies that must wait", async () => {
    const k = key();
    await mailboxes.push('in', k, ['m1']);
    expect(await mailboxes.acquire('in', k, 'w', 5000)).toBe(true);
    expect(await mailboxes.next('in', k, 'w', 5000, { readSnapshot: true })).toMatchObject({ snapshot: { outbound: 0 } });
    // A reply that must wait 300 ms goes in paused: nobody takes the mailbox before then.
    await mailboxes.pushPaused('out', k, ['r1', 'r2'], 300);
    expect(await mailboxes.next('in', k, 'w', 5000, { readSnapshot: true })).toMatchObject({ snapshot: { outbound: 2 } });
    const refused = await mailboxes.acquire('out', k, 'd', 5000);
    expect(refused).toBeGreaterThan(200);
    await new Promise((r) => setTimeout(r, 350));
    expect(await mailboxes.acquire('out', k, 'd', 5000)).toBe(true);
    expect(await mailboxes.entries('out', k)).toEqual(['r1', 'r2']);
  });
});
