import { randomUUID } from 'node:crypto';
import { GrammyError, type Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { allowedUpdates } from './config.js';

export interface PollerOptions {
  account: string;
  api: Api;
  /** Holds the lock that lets one process poll a bot (Telegram answers 409 to a second getUpdates). */
  redis: Redis;
  lockKey: string;
  logger: Logger;
  /** Queues one update; throws when it could not be queued (it is then tried again, in order). */
  handle(update: Update): Promise<void>;
  /** The bot's username from the config's `botInfo`; without it, getMe is called once (which also checks the token). */
  username?: string;
  /** getUpdates' long-poll wait. */
  pollSeconds?: number;
  lockMs?: number;
}

/** Extends the lock only while this process still holds it. */
const renewScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** grammY types its abort signal after the `abort-controller` shim; Node's own is what it gets at run time. */
type ApiSignal = Parameters<Api['getUpdates']>[1];

const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Long polling for local development (https://core.telegram.org/bots/api#getupdates). Our own
 * loop over grammY's Api rather than `bot.start()`: an update is confirmed (the next offset) only
 * once `handle` queued it, so a Redis outage delays updates instead of dropping them. One process
 * per bot polls, whichever takes the Redis lock; the others wait to take over.
 */
export class TelegramPoller {
  private readonly owner = randomUUID();
  private readonly abort = new AbortController();
  private stopped = false;
  private loop?: Promise<void>;
  private offset = 0;

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    this.loop = this.run().catch((err: unknown) =>
      this.options.logger.error({ account: this.options.account, err: (err as Error).message }, 'telegram polling stopped'),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
    const { redis, lockKey } = this.options;
    await redis.eval(releaseScript, 1, lockKey, this.owner).catch(() => undefined);
  }

  private get signal(): ApiSignal {
    return this.abort.signal as unknown as ApiSignal;
  }

  private get lockMs(): number {
    return this.options.lockMs ?? 60_000;
  }

  private async run(): Promise<void> {
    const { api, account, logger } = this.options;
    while (!this.stopped) {
      if (!(await this.lead())) {
        await this.sleep(this.lockMs / 3);
        continue;
      }
      const username =
        this.options.username ??
        (await api.getMe(this.signal).then(
          (me) => me.username,
          (err: unknown) => void this.failed(err, 'getMe'),
        ));
      if (this.stopped) return;
      logger.info({ account, bot: username }, 'telegram polling');
      // getUpdates does not work while a webhook is set.
      await api.deleteWebhook({}, this.signal).catch((err: unknown) => this.failed(err, 'deleteWebhook'));
      await this.poll();
    }
  }

  /** Polls while this process holds the lock; returns when it lost it or was stopped. */
  private async poll(): Promise<void> {
    const { api, redis, lockKey } = this.options;
    const pollSeconds = this.options.pollSeconds ?? 25;
    let backoffMs = 1000;
    while (!this.stopped) {
      const held = await redis.eval(renewScript, 1, lockKey, this.owner, this.lockMs).catch(() => 0);
      if (!held) return;
      let updates: Update[];
      try {
        updates = await api.getUpdates({ offset: this.offset, timeout: pollSeconds, allowed_updates: [...allowedUpdates] }, this.signal);
        backoffMs = 1000;
      } catch (err) {
        if (this.stopped) return;
        const retryAfter = err instanceof GrammyError ? err.parameters.retry_after : undefined;
        this.failed(err, 'getUpdates');
        await this.sleep(retryAfter ? retryAfter * 1000 : backoffMs);
        backoffMs = Math.min(backoffMs * 2, 30_000);
        continue;
      }
      for (const update of updates) {
        if (!(await this.deliver(update))) return;
        this.offset = update.update_id + 1;
      }
    }
    // Confirm what was queued, so the next poller (or restart) does not fetch it again.
    if (this.offset > 0) await api.getUpdates({ offset: this.offset, limit: 1, timeout: 0 }).catch(() => undefined);
  }

  /** Hands one update over, retrying until it is queued; false when stopped first. */
  private async deliver(update: Update): Promise<boolean> {
    let backoffMs = 500;
    while (!this.stopped) {
      try {
        await this.options.handle(update);
        return true;
      } catch (err) {
        this.options.logger.error(
          { account: this.options.account, updateId: update.update_id, err: (err as Error).message },
          'telegram update not queued; retrying',
        );
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
    return false;
  }

  private async lead(): Promise<boolean> {
    const { redis, lockKey } = this.options;
    const got = await redis.set(lockKey, this.owner, 'PX', this.lockMs, 'NX').catch(() => null);
    return got === 'OK';
  }

  private failed(err: unknown, method: string): void {
    const code = err instanceof GrammyError ? err.error_code : undefined;
    // 409: another getUpdates for this bot runs elsewhere (or a webhook is set): one poller per bot token.
    this.options.logger.warn(
      { account: this.options.account, method, code, err: err instanceof GrammyError ? err.description : (err as Error).message },
      'telegram polling request failed',
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const timer = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}
