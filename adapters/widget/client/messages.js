/**
 * The conversation as the widget knows it: every message once (by id; the visitor's own by the
 * client id `cid`, whichever copy arrives first), in the hub's order, pending ones last.
 */

/**
 * @typedef {{ id: string, order?: number, dir: 'in' | 'out', sender: string, cid?: string, text?: string,
 *   choices?: Array<{ id: string, label: string }>, form?: FormSpec, at?: string, pending?: boolean, failed?: boolean, local?: number }} WireMessage
 * @typedef {{ id: string, title?: string, fields: Array<{ name: string, label: string, type: string, required: boolean,
 *   options?: Array<{ id: string, label: string }> }>, consent?: { purpose: string, text: string } }} FormSpec
 */

export function messageStore() {
  /** @type {Map<string, WireMessage>} */
  const byId = new Map();
  /** @type {Map<string, string>} */
  const byCid = new Map();
  let counter = 0;
  const lastOrder = () => {
    let max = -1;
    for (const m of byId.values()) if (m.order !== undefined && m.order > max) max = m.order;
    return max;
  };

  return {
    /**
     * Adds or updates a message; returns false when it was already known in as good a form.
     * @param {WireMessage} m
     */
    add(m) {
      if (m.cid) {
        const known = byCid.get(m.cid);
        const existing = known ? byId.get(known) : undefined;
        if (existing && known !== m.id) {
          // The hub's stored copy (with its order) wins over an echo or the local pending copy.
          if (existing.order !== undefined || m.order === undefined) {
            if (existing.pending && !m.pending) existing.pending = false;
            return false;
          }
          byId.delete(known);
        }
        byCid.set(m.cid, m.id);
      }
      const existing = byId.get(m.id);
      if (existing) {
        if (existing.order !== undefined || m.order === undefined) return false;
        Object.assign(existing, m, { local: m.order });
        return true;
      }
      // Until the hub gives it a place, a message sits after everything known when it arrived.
      byId.set(m.id, { ...m, local: m.order ?? lastOrder() + 0.5 + (counter++ % 1000) / 2000 });
      return true;
    },
    /** The visitor's own message was acknowledged. @param {string} cid */
    acked(cid) {
      const id = byCid.get(cid);
      const m = id ? byId.get(id) : undefined;
      if (m) m.pending = false;
    },
    /** The hub refused the visitor's message for good. @param {string} cid */
    failed(cid) {
      const id = byCid.get(cid);
      const m = id ? byId.get(id) : undefined;
      if (m) Object.assign(m, { pending: false, failed: true });
    },
    /** @returns {WireMessage[]} */
    list() {
      return [...byId.values()].sort((a, b) => (a.order ?? a.local ?? 0) - (b.order ?? b.local ?? 0));
    },
    /** The highest position seen: a reconnect asks for what came after it. */
    lastOrder,
  };
}
