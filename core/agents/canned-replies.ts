import { CannedReply, cannedReplyId } from '../store/canned-reply.js';

export interface CannedReplyRow {
  shortcut: string;
  text: string;
  updatedAt: Date;
}

/** A workspace's canned replies, by shortcut (a workspace has tens, so one indexed read is the list). */
export async function listCannedReplies(workspace: string): Promise<CannedReplyRow[]> {
  const rows = await CannedReply.find({ workspace }).lean();
  return rows.map((r) => ({ shortcut: r.shortcut, text: r.text, updatedAt: r.updatedAt })).sort((a, b) => a.shortcut.localeCompare(b.shortcut));
}

/** Creates or replaces the reply `/shortcut` expands to. */
export async function saveCannedReply(at: { workspace: string; shortcut: string; text: string; actor: string }): Promise<void> {
  await CannedReply.updateOne(
    { _id: cannedReplyId(at.workspace, at.shortcut) },
    { $set: { workspace: at.workspace, shortcut: at.shortcut, text: at.text, updatedBy: at.actor } },
    { upsert: true },
  );
}

/** Removes it; false when there was none. */
export async function removeCannedReply(workspace: string, shortcut: string): Promise<boolean> {
  return (await CannedReply.deleteOne({ _id: cannedReplyId(workspace, shortcut) })).deletedCount === 1;
}
