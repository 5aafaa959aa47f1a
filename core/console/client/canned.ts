import { api } from './api';
import type { CannedReply } from './types';

/** The workspace's canned replies, read once per session; a failed read is asked again the next time a composer opens. */
let cached: Promise<CannedReply[]> | undefined;

export function cannedReplies(): Promise<CannedReply[]> {
  cached ??= api.cannedReplies().then(
    (r) => r.replies,
    (err: unknown) => {
      cached = undefined;
      throw err;
    },
  );
  return cached;
}

/** On sign-out: the next agent (perhaps of another workspace) reads their own. */
export function forgetCannedReplies(): void {
  cached = undefined;
}

/** The replies a message that is just `/query` offers: shortcuts starting with it first, then those containing it. */
export function matching(replies: CannedReply[], text: string): CannedReply[] {
  const query = /^\/(\S*)$/.exec(text)?.[1]?.toLowerCase();
  if (query === undefined) return [];
  const starts = replies.filter((r) => r.shortcut.startsWith(query));
  const contains = replies.filter((r) => !r.shortcut.startsWith(query) && r.shortcut.includes(query));
  return [...starts, ...contains].slice(0, 8);
}
