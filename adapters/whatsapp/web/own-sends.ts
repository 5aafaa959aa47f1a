/** Sends remembered per session: far more than can be in flight, or reported back, at once. */
const remembered = 1000;

/**
 * The platform ids of the messages this session sent, so that a message WhatsApp reports as
 * `fromMe` can be told apart: the hub's own reply, or someone at the business writing from the
 * phone (or another linked device), which hands the conversation to people.
 *
 * Memory is enough: only the process holding the account's session sends for its number (other
 * processes relay their sends to it, relay.ts), and a client reports only the messages created
 * while it runs, so no other process's session ever reports a send of this one. whatsapp-web.js
 * may report a message before `sendMessage` resolves with its id, so {@link sentHere} waits for
 * the sends in flight first.
 */
export class OwnSends {
  private readonly ids = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();

  /** Makes one send and remembers the id it resolves to; in flight from before it starts, since its report may come while it starts. */
  async track(send: () => Promise<{ id: { _serialized: string } }>): Promise<string> {
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.inFlight.add(settled);
    try {
      const id = (await send()).id._serialized;
      this.ids.add(id);
      if (this.ids.size > remembered) this.ids.delete(this.ids.values().next().value!);
      return id;
    } finally {
      this.inFlight.delete(settled);
      settle();
    }
  }

  /** True when this session sent the message with this platform id. */
  async sentHere(platformId: string): Promise<boolean> {
    if (this.ids.has(platformId)) return true;
    await Promise.allSettled([...this.inFlight]);
    return this.ids.has(platformId);
  }
}
