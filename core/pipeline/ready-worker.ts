import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { MailboxKind } from '../queue/mailbox.js';
import type { ReadyLists, TakenWakeUp } from '../queue/ready.js';
import type { Slots } from './slots.js';

export interface ReadyWorkerOptions {
  ready: ReadyLists;
  kind: MailboxKind;
  /** A connection of its own: waiting for the bell blocks it. */
  blocking: Redis;
  /** This process's slots for the direction, shared with the BullMQ worker of the same direction. */
  slots: Slots;
  /** Workspaces to leave waiting for now (at their share of this process's slots). */
  passOver?: () => string[];
  /** Works through the mailbox; a failure is the caller's to retry (see `onFailure`). */
  handle(at: TakenWakeUp): Promise<void>;
  /** The mailbox could not be worked through: ask for a later try (a delayed BullMQ wake-up, which retries with backoff). */
  onFailure(at: TakenWakeUp, err: unknown): Promise<void>;
  logger: Logger;
}

export interface ReadyWorker {
  /** Stops taking wake-ups and waits for the mailboxes in hand (they hand the rest on when told to stop). */
  close(): Promise<void>;
}

/** How long a worker with nothing to do blocks on the bell before it looks again anyway. */
const bellWaitSeconds = 1;
/** After a Redis error, before trying again. */
const errorPauseMs = 1000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * Takes wake-ups from one direction's ready lists while this process has a free slot, and works
 * through each mailbox concurrently (the mailbox's lease keeps each one in order).
 */
export function startReadyWorker(options: ReadyWorkerOptions): ReadyWorker {
  const { ready, kind, blocking, slots, logger } = options;
  const running = new Set<Promise<void>>();
  let closing = false;
  let closed!: () => void;
  const whenClosed = new Promise<void>((r) => (closed = r));
  // One wait for a slot given back (by this worker or the BullMQ one) at a time, however often the bell rings meanwhile.
  let released: Promise<void> | undefined;
  const slotReleased = () => {
    released ??= slots.released().finally(() => (released = undefined));
    return Promise.race([released, whenClosed]);
  };

  const run = async (taken: TakenWakeUp) => {
    try {
      await options.handle(taken);
    } catch (err) {
      logger.warn({ err, kind }, 'mailbox wake-up failed; retrying later');
      await options
        .onFailure(taken, err)
        .catch((e: unknown) => logger.error({ err: e, kind }, 'could not schedule a retry; the mailbox waits for its next entry or a sweep'));
    } finally {
      // Still in the taken list if this fails: a sweep after this process ends puts it back (a spare wake-up at worst).
      await ready.finish(kind, taken).catch((err: unknown) => logger.warn({ err, kind }, 'could not clear a finished wake-up'));
    }
  };

  // One wait for the bell at a time on the blocking connection; a slot freed meanwhile ends the wait early, not the command.
  let bell: Promise<void> | undefined;
  const bellOrFreeSlot = async () => {
    bell ??= ready
      .waitForBell(blocking, kind, bellWaitSeconds)
      .catch(async () => {
        if (!closing) await sleep(errorPauseMs);
      })
      .finally(() => (bell = undefined));
    await Promise.race([bell, slotReleased()]);
  };

  const loop = async () => {
    while (!closing) {
      if (!slots.free) {
        await slotReleased();
        continue;
      }
      // Taken before the wake-up, so a BullMQ job cannot take it while the wake-up is on its way.
      const release = await slots.take();
      if (closing) {
        release();
        break;
      }
      let taken: Awaited<ReturnType<ReadyLists['take']>>;
      try {
        taken = await ready.take(kind, options.passOver?.() ?? []);
      } catch (err) {
        release();
        if (closing) break;
        logger.warn({ err, kind }, 'could not take a wake-up');
        await sleep(errorPauseMs);
        continue;
      }
      if (taken === undefined || taken === 'skipped') {
        release();
        // Nothing waits, or only workspaces at their share here: until something new is pushed, or a slot is given back.
        await bellOrFreeSlot();
        continue;
      }
      const work: Promise<void> = run(taken).finally(() => {
        running.delete(work);
        release();
      });
      running.add(work);
    }
  };
  const looping = loop();

  return {
    async close() {
      closing = true;
      closed();
      // Ends a wait for the bell at once.
      blocking.disconnect();
      await looping;
      await Promise.all(running);
    },
  };
}
