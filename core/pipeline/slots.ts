/**
 * A process's slots for one direction: how many mailboxes it works through at once
 * (`pipeline.concurrency`), whether they came from a ready list or from a BullMQ job (a timer,
 * a backoff, a look after a lease expired), so the two together never exceed it.
 */
export class Slots {
  private used = 0;
  private waiting: (() => void)[] = [];

  constructor(readonly size: number) {}

  get free(): boolean {
    return this.used < this.size;
  }

  /** Waits for a free slot and takes it; call the returned function to give it back (once). */
  async take(): Promise<() => void> {
    while (this.used >= this.size) await this.released();
    this.used++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.used--;
      // Everyone waiting looks again: one who wakes and finds nothing to do must not keep the slot from another.
      for (const wake of this.waiting.splice(0)) wake();
    };
  }

  /** Resolves the next time a slot is given back. */
  released(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
