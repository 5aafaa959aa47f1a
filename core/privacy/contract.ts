/**
 * A store's privacy contract: what personal data it holds, how a person's entries are found,
 * what erasing a person does to them, and which retention applies. Every MongoDB collection,
 * GridFS bucket and Redis structure the hub writes declares one beside its model or key builder
 * (see core/privacy/data-map.ts), and test/privacy/data-map.test.ts fails for a store without
 * one, so retention, export and erasure can reach everywhere a person's data lives.
 */

/** The retention policy's kinds of data (config `privacy.retention`). */
export const retentionKinds = ['conversations', 'leads', 'contacts', 'consents', 'requests', 'audit'] as const;
export type RetentionKind = (typeof retentionKinds)[number];

export type PrivacyStore =
  /** A MongoDB collection, by name. */
  | { mongodb: string }
  /** A GridFS bucket (`<name>.files`, `<name>.chunks`). */
  | { gridfs: string }
  /** Redis keys, as a pattern under the configured prefix: `*` stands for one key segment or more (e.g. `mbox:in:*`). */
  | { redis: string };

export type Erasure =
  /** The person's entries are removed. */
  | { action: 'delete' }
  /** The entries stay with their personal fields removed or replaced; `keeps` says what remains and why it may. */
  | { action: 'anonymise'; keeps: string }
  /** Nothing to do: the entries expire by themselves within `within` (a duration, e.g. `24h`). */
  | { action: 'expires'; within: string }
  /** Not erased per person, and why (say what the operator can do instead). */
  | { action: 'none'; why: string };

export interface PrivacyContract {
  store: PrivacyStore;
  /** What the store is for, in a few words. */
  purpose: string;
  /**
   * Fields (dotted paths; for Redis, parts of the key or value) holding personal data. Empty: none,
   * and `erasure` is `none` with the reason.
   */
  personal: readonly string[];
  /** How a person's entries are found: the field or the key derived from their address or contact. */
  findBy: string;
  erasure: Erasure;
  /** The retention kind that applies, or how long entries live by themselves. */
  retention: RetentionKind | { expires: string } | { none: string };
}

/** Declares a store's contract (an identity function, so declarations read the same everywhere and are type-checked). */
export function privacyContract(contract: PrivacyContract): PrivacyContract {
  return contract;
}

/** A contract's store as one text, for messages and look-ups: `mongodb:messages`, `redis:mbox:in:*`. */
export function storeName(store: PrivacyStore): string {
  return 'mongodb' in store ? `mongodb:${store.mongodb}` : 'gridfs' in store ? `gridfs:${store.gridfs}` : `redis:${store.redis}`;
}

/** True when a Redis key (without the prefix) matches a contract's pattern: literal segments equal, `*` matches one or more. */
export function matchesRedisPattern(pattern: string, key: string): boolean {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+');
  return new RegExp(`^${escaped}$`).test(key);
}
