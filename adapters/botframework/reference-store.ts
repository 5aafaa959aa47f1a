import { createHash } from 'node:crypto';
import type { ConversationReference } from 'botbuilder';
import { Schema, model } from 'mongoose';
import { privacyContract } from '../../core/privacy/contract.js';
import { scalarFieldFilters } from '../../core/store/scalar-filters.js';

/**
 * Where to send replies for one address: the conversation reference of the latest activity,
 * saved when it arrived (the web role) and read when a reply is sent (a worker, maybe another
 * process). Keyed by a hash `_id`, the one look-up FerretDB v1 answers from an index.
 */
const referenceSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspace: { type: String, required: true },
    account: { type: String, required: true },
    user: { type: String, required: true },
    /** The ConversationReference as JSON: ids from other platforms may hold `.` or `$`, which FerretDB v1 refuses as keys. */
    reference: { type: String, required: true },
  },
  { versionKey: false, timestamps: true },
);

// Look-ups are by `_id`; this one serves listing (and erasing) a workspace's or a person's references.
referenceSchema.index({ workspace: 1, account: 1, user: 1 });

/** `botframework_references`, declared in the channel's definition so its indexes are created at start. */
referenceSchema.plugin(scalarFieldFilters);
export const BotFrameworkReference = model('BotFrameworkReference', referenceSchema, 'botframework_references');

/** Privacy contract (see core/privacy/contract.ts). */
export const botFrameworkReferencePrivacy = privacyContract({
  store: { mongodb: 'botframework_references' },
  purpose: "where to send replies for an address: the latest activity's conversation reference",
  personal: ['user', 'reference'],
  findBy: '`user` (with workspace and account), or `_id` derived from them',
  erasure: { action: 'delete' },
  retention: 'contacts',
});

/** The `_id` of an address's reference. */
function referenceId(a: { workspace: string; account: string; user: string }): string {
  return `bfr_${createHash('sha256').update([a.workspace, a.account, a.user].join('\u0000')).digest('hex').slice(0, 32)}`;
}

/**
 * Saves and loads conversation references. Saving skips the write when this process already
 * stored the same reference recently: a channel sends the same serviceUrl with every activity,
 * and the hot path should not pay a write per message for nothing.
 */
export class ReferenceStore {
  private readonly recent = new Map<string, { json: string; at: number }>();

  constructor(private readonly options: { maxCached?: number; refreshMs?: number } = {}) {}

  async save(address: { workspace: string; account: string; user: string }, reference: ConversationReference): Promise<void> {
    const _id = referenceId(address);
    const json = JSON.stringify(reference);
    const cached = this.recent.get(_id);
    if (cached && cached.json === json && Date.now() - cached.at < (this.options.refreshMs ?? 10 * 60_000)) return;
    await BotFrameworkReference.updateOne(
      { _id },
      { $set: { workspace: address.workspace, account: address.account, user: address.user, reference: json } },
      { upsert: true },
    );
    this.recent.delete(_id);
    this.recent.set(_id, { json, at: Date.now() });
    // Oldest first: Map keeps insertion order.
    if (this.recent.size > (this.options.maxCached ?? 10_000)) this.recent.delete(this.recent.keys().next().value!);
  }

  /** The stored reference, or `undefined` when this address never wrote (or in another workspace). */
  async load(address: { workspace: string; account: string; user: string }): Promise<ConversationReference | undefined> {
    const doc = await BotFrameworkReference.findOne({ _id: referenceId(address) }).lean();
    if (!doc || doc.workspace !== address.workspace || doc.account !== address.account) return undefined;
    return JSON.parse(doc.reference) as ConversationReference;
  }
}
