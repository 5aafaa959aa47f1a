/**
 * A document read by `_id` (the look-up FerretDB v1 answers from an index), or null unless it
 * belongs to `workspace`: ids are unguessable hashes, but a document of another workspace must
 * never be served or changed, whoever asks. A projection must include `workspace`.
 *
 * @example
 * const lead = inWorkspace(await Lead.findById(leadId).lean(), workspace);
 */
export function inWorkspace<T extends { workspace?: unknown }>(doc: T | null | undefined, workspace: string): T | null {
  return doc && doc.workspace === workspace ? doc : null;
}
