/**
 * The conversation as the widget knows it: every message once (by id; the visitor's own by the
 * client id `cid`, whichever copy arrives first), in the hub's order, pending ones last. A
 * conversation closed while the page is open is followed by a new one that counts its positions
 * from the start again: its messages go after everything known when it first showed up.
 */

/**
 * @typedef {{ id: string, order?: number, conv?: string, dir: 'in' | 'out', sender: string, name?: string, cid?: string, text?: string,
 *   choices?: Array<{ id: string, label: string }>, form?: FormSpec, at?: string, pending?: boolean, failed?: boolean, pos?: number }} WireMessage
 * @typedef {{ id: string, title?: string, fields: Array<{ name: string, label: string, type: string, required: boolean,
 *   options?: Array<{ id: string, label: string }> }>, consent?: { purpose: string, text: string } }} FormSpec
 */

export function messageStore() {
  /** @type {Map<string, WireMessage>} */
  const byId = new Map();
  /** @type {Map<string, string>} */
  const byCid = new Map();
  /** Where each conversation's positions start in the list. @type {Map<string, number>} */
  const bases = new Map();
  /** The newest conversation seen (the one a reconnect catches up on). @type {string | undefined} */
  let current;
  let counter = 0;
  const lastPos = () => {
    let max = -1;
    for (const m of byId.values()) if (m.pos !== undefined && m.pos > max) max = m.pos;
    return max;
  };
  /** @param {string | undefined} conv */
  const baseOf = (conv) => {
    if (conv === undefined) return current === undefined ? 0 : (bases.get(current) ?? 0);
    let base = bases.get(conv);
    if (base === undefined) {
      base = bases.size ? lastPos() + 1 : 0;
      bases.set(conv, base);
      current = conv;
    }
    return base;
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
        const pos = baseOf(m.conv) + m.order;
        Object.assign(existing, m, { conv: m.conv ?? current, pos });
        return true;
      }
      // Until the hub gives it a place, a message sits after everything known when it arrived.
      const pos = m.order !== undefined ? baseOf(m.conv) + m.order : lastPos() + 0.5 + (counter++ % 1000) / 2000;
      byId.set(m.id, { ...m, conv: m.conv ?? current, pos });
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
      return [...byId.values()].sort((a, b) => (a.pos ?? 0) - (b.pos ?? 0));
    },
    /** The newest conversation and the highest position seen in it: a reconnect asks for what came after. */
    position() {
      let after = -1;
      for (const m of byId.values()) if (m.order !== undefined && m.conv === current && m.order > after) after = m.order;
      return { after, ...(current ? { conv: current } : {}) };
    },
  };
}
