/* global localStorage, sessionStorage */
/**
 * What the widget keeps in the browser, per account (keys `sb:{account}:…`; README "Storage in the
 * browser" is the full table): localStorage: `visitor` (the signed visitor id) and `visitorExpires`
 * (when the hub stops accepting it: both are dropped then), `notice` (the notice version shown),
 * `prechat` (the pre-chat form was sent), `seen` (last reply seen), `sound`, `open`;
 * sessionStorage (this tab, survives reloads): `outbox` (frames the hub has not acknowledged yet,
 * each removed the moment its ack arrives). No message text is kept anywhere else.
 * Storage can be disabled (private modes, blocked cookies): then it lives in memory only.
 */

/** What the browser remembers about the visitor the hub knows by the current id: void with a new id. */
const visitorKeys = ['visitor', 'visitorExpires', 'notice', 'prechat', 'seen'];

/** @param {() => Storage} get */
function area(get) {
  /** @type {Map<string, string>} */
  const memory = new Map();
  return {
    /** @param {string} key */
    get(key) {
      try {
        return get().getItem(key);
      } catch {
        return memory.get(key) ?? null;
      }
    },
    /** @param {string} key @param {string | null} value */
    set(key, value) {
      try {
        if (value === null) get().removeItem(key);
        else get().setItem(key, value);
      } catch {
        if (value === null) memory.delete(key);
        else memory.set(key, value);
      }
    },
  };
}

/** @param {string} account */
export function storageFor(account) {
  const local = area(() => localStorage);
  const session = area(() => sessionStorage);
  const k = (/** @type {string} */ name) => `sb:${account}:${name}`;
  return {
    /** @param {string} name */
    get: (name) => local.get(k(name)),
    /** @param {string} name @param {string | null} value */
    set: (name, value) => local.set(k(name), value),
    /** The hub issued a new visitor id (or the old one expired): what was remembered about the old one goes. */
    forgetVisitor() {
      for (const name of visitorKeys) local.set(k(name), null);
    },
    /** @returns {Array<Record<string, unknown>>} */
    outbox() {
      try {
        return JSON.parse(session.get(k('outbox')) ?? '[]');
      } catch {
        return [];
      }
    },
    /** @param {Array<Record<string, unknown>>} frames */
    saveOutbox: (frames) => session.set(k('outbox'), frames.length ? JSON.stringify(frames) : null),
  };
}
