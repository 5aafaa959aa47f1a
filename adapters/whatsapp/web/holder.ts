import type { Logger } from 'pino';
import type { SessionLock } from './lock.js';
import type { SendRelay } from './relay.js';
import type { WebSession } from './session.js';
import { sessionName, type GridFsSessionStore } from './session-store.js';

/** How long a holder's claim lasts without renewal; it renews at a third of that. */
export const lockTtlMs = 30_000;

/**
 * Runs one account's session in this process while it holds the account's lock, and serves the
 * sends other processes relay to it. Processes that do not get the lock keep trying, so one of
 * them takes over within {@link lockTtlMs} when the holder dies. An unlinked number lets the
 * lock go (so `switchboard whatsapp login` can take it) and waits for a session saved after the
 * one that failed.
 */
export class SessionHolder {
  /** The running session, while this process holds the account. */
  session: WebSession | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** While unlinked: the stored session that failed (none when there was none). */
  private waitingForLogin: { failed: string | undefined } | undefined;

  constructor(
    private readonly o: {
      account: string;
      lock: SessionLock;
      relay: SendRelay;
      store: GridFsSessionStore;
      sessionPollMs: number;
      /** `unlinked` is called when the session finds the number not linked. */
      createSession(unlinked: () => void): WebSession;
      logger: Logger;
    },
  ) {}

  async start(): Promise<void> {
    await this.tick();
  }

  /** How the session stands in this process: its state while held here, `unlinked` while waiting for a login, else `elsewhere` (another process holds it, or it is being linked). */
  get status(): string {
    return this.session ? this.session.state : this.waitingForLogin ? 'unlinked' : 'elsewhere';
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.letGo();
  }

  private async tick(): Promise<void> {
    try {
      if (this.session) {
        if (!(await this.o.lock.renew())) {
          this.o.logger.warn({ account: this.o.account }, 'lost the WhatsApp Web session to another process; closing it here');
          await this.letGo();
        }
      } else if (this.waitingForLogin) {
        const latest = await this.o.store.latest(sessionName(this.o.account));
        if (latest && latest.id !== this.waitingForLogin.failed) {
          this.o.logger.info({ account: this.o.account }, 'a new WhatsApp Web session was saved');
          this.waitingForLogin = undefined;
          return await this.tick();
        }
      } else if (await this.o.lock.acquire()) {
        if (this.stopped) return void (await this.o.lock.release());
        const session = (this.session = this.o.createSession(() => void this.unlinked(session)));
        await this.o.relay.serve(this.o.account, (r) =>
          'typing' in r ? session.typing(r.chatId).then(() => '') : session.send(r.chatId, r.text, r.messageId),
        );
        this.o.logger.info({ account: this.o.account }, 'this process holds the WhatsApp Web session');
        await session.open();
      }
    } catch (err) {
      this.o.logger.warn({ err, account: this.o.account }, 'WhatsApp Web session check failed');
    } finally {
      clearTimeout(this.timer);
      if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.waitingForLogin ? this.o.sessionPollMs : lockTtlMs / 3);
    }
  }

  private async unlinked(session: WebSession): Promise<void> {
    if (this.session !== session) return;
    const failed = await this.o.store.latest(sessionName(this.o.account)).catch(() => undefined);
    this.waitingForLogin = { failed: failed?.id };
    await this.letGo();
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.o.sessionPollMs);
  }

  private async letGo(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    await this.o.relay.unserve(this.o.account).catch(() => undefined);
    await session.close();
    await this.o.lock.release().catch(() => undefined);
  }
}
