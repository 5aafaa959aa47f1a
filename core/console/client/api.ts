import type {
  Agent,
  CannedReply,
  ChannelAccount,
  Colleague,
  ConversationDetail,
  EmailRow,
  Figures,
  LinkLine,
  Presence,
  Summary,
  Team,
  TransferTarget,
  View,
} from './types';

/** A refusal of the API: its status and `{error, message}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Same-origin JSON requests; the session cookie rides along and the browser adds `Origin` to changes. */
async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!res.ok) throw new ApiError(res.status, data.error ?? 'error', data.message ?? `the hub answered ${res.status}`);
  return data as T;
}

/** A message id of our own, so a retried send is stored once (crypto.randomUUID needs HTTPS; this does not). */
export function clientId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface InboxFilter {
  view: View;
  channel?: string;
  team?: string;
}

const query = (f: InboxFilter & { before?: string }) =>
  new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')).toString();

export const api = {
  me: () => call<{ agent: Agent }>('GET', '/console/api/me'),
  signIn: (email: string, password: string, code?: string) =>
    call<{ agent: Agent }>('POST', '/console/api/sign-in', { email, password, ...(code ? { code } : {}) }),
  signOut: () => call<unknown>('POST', '/console/api/sign-out'),
  inbox: (f: InboxFilter & { before?: string }) => call<{ conversations: Summary[]; next?: string }>('GET', `/api/conversations?${query(f)}`),
  conversation: (id: string) => call<ConversationDetail>('GET', `/api/conversations/${encodeURIComponent(id)}`),
  take: (id: string) => call<unknown>('POST', `/api/conversations/${encodeURIComponent(id)}/take`),
  reply: (id: string, text: string) => call<unknown>('POST', `/api/conversations/${encodeURIComponent(id)}/messages`, { text, id: clientId() }),
  note: (id: string, text: string) => call<unknown>('POST', `/api/conversations/${encodeURIComponent(id)}/notes`, { text }),
  typing: (id: string) => call<unknown>('POST', `/api/conversations/${encodeURIComponent(id)}/typing`),
  read: (id: string) => call<unknown>('POST', `/api/conversations/${encodeURIComponent(id)}/read`),
  handBack: (id: string, mode: 'resume' | 'restart') => call<unknown>('POST', `/api/conversations/${encodeURIComponent(id)}/handback`, { mode }),
  close: (id: string) => call<unknown>('POST', `/api/conversations/${encodeURIComponent(id)}/close`),
  reopen: (id: string) => call<unknown>('POST', `/api/conversations/${encodeURIComponent(id)}/reopen`),
  transfer: (id: string, to: TransferTarget) => call<unknown>('POST', `/api/conversations/${encodeURIComponent(id)}/transfer`, to),
  agents: () => call<{ agents: Colleague[]; teams: Team[] }>('GET', '/api/agents'),
  routing: (id: string, change: { teams?: string[]; capacity?: number | null }) =>
    call<Colleague>('POST', `/api/agents/${encodeURIComponent(id)}/routing`, change),
  figures: () => call<Figures>('GET', '/api/figures'),
  channels: () => call<{ accounts: ChannelAccount[] }>('GET', '/api/channels'),
  emails: () => call<{ emails: EmailRow[] }>('GET', '/api/emails'),
  link: (channel: string, account: string, signal: AbortSignal, line: (l: LinkLine) => void) => linkStream(channel, account, signal, line),
  presence: (beat: { active?: boolean; status?: Presence }) => call<{ presence: Presence; heartbeatEveryMs: number }>('POST', '/api/presence', beat),
  cannedReplies: () => call<{ replies: CannedReply[] }>('GET', '/api/canned-replies'),
};

/** Reads the linking stream: one JSON object per line, each handed to `line` as it arrives. */
async function linkStream(channel: string, account: string, signal: AbortSignal, line: (l: LinkLine) => void): Promise<void> {
  const res = await fetch(`/api/channels/${encodeURIComponent(channel)}/${encodeURIComponent(account)}/link`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    signal,
  });
  if (!res.ok || !res.body) {
    const data = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
    throw new ApiError(res.status, data.error ?? 'error', data.message ?? `the hub answered ${res.status}`);
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffered.indexOf('\n')) >= 0) {
      line(JSON.parse(buffered.slice(0, cut)) as LinkLine);
      buffered = buffered.slice(cut + 1);
    }
  }
}
