import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { MailboxKind } from '../queue/mailbox.js';
import type { ReadyLists, TakenWakeUp } from '../queue/ready.js';

export interface ReadyWorkerOptions {
  ready: ReadyLists;
  kind: MailboxKind;
  /** A connection of its own: waiting for the bell blocks it. */
  blocking: Redis;
  /** Mailboxes worked through at once by this process. */
  concurrency: number;
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
  const { ready, kind, blocking, concurrency, logger } = options;
  const running = new Set<Promise<void>>();
  let closing = false;
  let slotFreed: (() => void) | undefined;
  const freeSlot = () => new Promise<void>((r) => (slotFreed = r));

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
    await Promise.race([bell, freeSlot()]);
  };

  const loop = async () => {
    while (!closing) {
      if (running.size >= concurrency) {
        await freeSlot();
        continue;
      }
      let taken: Awaited<ReturnType<ReadyLists['take']>>;
      try {
        taken = await ready.take(kind, options.passOver?.() ?? []);
      } catch (err) {
        if (closing) break;
        logger.warn({ err, kind }, 'could not take a wake-up');
        await sleep(errorPauseMs);
        continue;
      }
      if (taken === undefined || taken === 'skipped') {
        // Nothing waits, or only workspaces at their share here: until something new is pushed, or one of ours finishes.
        await bellOrFreeSlot();
        continue;
      }
      const work: Promise<void> = run(taken).finally(() => {
        running.delete(work);
        slotFreed?.();
      });
      running.add(work);
    }
  };
  const looping = loop();

  return {
    async close() {
      closing = true;
      slotFreed?.();
      // Ends a wait for the bell at once.
      blocking.disconnect();
      await looping;
      await Promise.all(running);
    },
  };
}
