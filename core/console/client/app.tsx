import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type InboxFilter } from './api';
import { forgetCannedReplies } from './canned';
import { ConversationPane } from './conversation';
import { Inbox, type InboxList } from './inbox';
import { useLive, type LiveState } from './live';
import { useRoute, type Page } from './route';
import { SignIn } from './sign-in';
import { useTyping } from './typing';
import { ChannelsPage } from './channels';
import { Colleagues } from './colleagues';
import { FiguresPage } from './figures';
import { usePresence } from './presence';
import type { Agent, LiveEvent, Presence, PresenceEvent } from './types';
import { applyEvent } from './views';

/** The first time the inbox shows what the hub answered: a mark the browser test reads (time to first render). */
function markFirstPaint(): void {
  if (performance.getEntriesByName('console:inbox-painted').length) return;
  requestAnimationFrame(() => performance.mark('console:inbox-painted'));
}

/** Pages for admins and owners, linked from the header. */
const adminPages: [Page, string][] = [
  ['figures', 'Figures'],
  ['channels', 'Channels'],
];

const liveText: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', offline: 'Reconnecting…' };

function Console({ me, signedOut }: { me: Agent; signedOut: () => void }) {
  const [route, go] = useRoute();
  const [scope, setScope] = useState<{ channel?: string; team?: string }>({});
  const filter: InboxFilter = { view: route.view, ...scope };
  const [list, setList] = useState<InboxList>({ items: [], loading: true });
  const [version, setVersion] = useState(0);
  const teams = useRef(new Set<string>());
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const routeRef = useRef(route);
  routeRef.current = route;

  const failed = (err: unknown) => {
    if (err instanceof ApiError && err.status === 401) return signedOut();
    setList((l) => ({ ...l, loading: false, error: err instanceof ApiError ? err.message : 'The hub cannot be reached.' }));
  };

  const load = useCallback((f: InboxFilter, before?: string) => {
    setList((l) => ({ ...l, loading: true }));
    api.inbox({ ...f, ...(before ? { before } : {}) }).then((page) => {
      // An answer for a filter no longer shown is dropped.
      if (JSON.stringify(f) !== JSON.stringify(filterRef.current)) return;
      for (const c of page.conversations) if (c.team) teams.current.add(c.team);
      setList((l) => ({ items: before ? [...l.items, ...page.conversations] : page.conversations, next: page.next, loading: false }));
      markFirstPaint();
    }, failed);
  }, []);

  const key = JSON.stringify(filter);
  useEffect(() => load(filter), [key]);

  const typing = useTyping(me.id);
  const { presence, choose } = usePresence();
  const [heard, setHeard] = useState<PresenceEvent | undefined>();
  const [colleaguesOpen, setColleaguesOpen] = useState(false);

  const live = useLive({
    event: (e: LiveEvent) => {
      if (e.t === 'typing') return typing.heard(e);
      if (e.t === 'presence') return setHeard(e);
      const c = e.conversation;
      if (c.team) teams.current.add(c.team);
      setList((l) => ({ ...l, items: applyEvent(l.items, c, filterRef.current, me.id) }));
      if (c.id === routeRef.current.id) setVersion((v) => v + 1);
    },
    reconnected: () => {
      load(filterRef.current);
      setVersion((v) => v + 1);
    },
    signedOut,
    stillSignedIn: () =>
      api.me().then(
        () => true,
        (err: unknown) => !(err instanceof ApiError && err.status === 401),
      ),
  });

  const markRead = (id: string) => setList((l) => ({ ...l, items: l.items.map((c) => (c.id === id ? { ...c, unread: 0 } : c)) }));

  return (
    <div class="console">
      <header class="top">
        <span class="brand">Switchboard</span>
        <span class={`live live-${live}`} role="status">
          {liveText[live]}
        </span>
        <span class="spacer" />
        {/* Mounted while open, so opening it reads everyone's load afresh. */}
        <details class="colleagues-menu" onToggle={(e) => setColleaguesOpen((e.currentTarget as HTMLDetailsElement).open)}>
          <summary>Colleagues</summary>
          {colleaguesOpen ? <Colleagues me={me} heard={heard} /> : null}
        </details>
        {me.role !== 'agent'
          ? adminPages.map(([page, label]) => (
              <a
                key={page}
                class={`link${route.page === page ? ' current' : ''}`}
                href={`/console/${page}`}
                onClick={(e) => {
                  e.preventDefault();
                  go({ view: route.view, page });
                }}
              >
                {label}
              </a>
            ))
          : null}
        <span class="me">{me.displayName}</span>
        <select
          class={`my-presence presence-${presence ?? 'offline'}`}
          aria-label="Your status"
          value={presence ?? 'online'}
          onChange={(e) => choose((e.target as HTMLSelectElement).value as Presence)}
        >
          <option value="online">Online</option>
          <option value="away">Away</option>
          <option value="offline">Offline</option>
        </select>
        <button
          type="button"
          class="link"
          onClick={() =>
            void api
              .signOut()
              .catch(() => undefined)
              .then(signedOut)
          }
        >
          Sign out
        </button>
      </header>
      <div class="panes">
        <Inbox
          filter={filter}
          setFilter={(f) => {
            setScope({ channel: f.channel, team: f.team });
            if (f.view !== route.view) go({ view: f.view, ...(route.id ? { id: route.id } : {}) });
          }}
          list={list}
          teams={[...teams.current].sort()}
          selected={route.id}
          open={(id) => go({ view: route.view, id })}
          more={() => load(filter, list.next)}
        />
        {route.page === 'figures' ? (
          <FiguresPage />
        ) : route.page === 'channels' ? (
          <ChannelsPage />
        ) : route.id ? (
          // Keyed by id: a draft, an open menu or an error never carries over to another conversation.
          <ConversationPane
            key={route.id}
            id={route.id}
            version={version}
            me={me}
            typist={typing.in(route.id)}
            changed={() => setVersion((v) => v + 1)}
            read={markRead}
          />
        ) : (
          <section class="pane pane-wide pane-empty muted">Pick a conversation.</section>
        )}
      </div>
    </div>
  );
}

/** Signed in (the session cookie, checked with `/console/api/me`) or the sign-in page. */
export function App() {
  const [me, setMe] = useState<Agent | null | undefined>(undefined);
  useEffect(() => {
    api.me().then(
      (r) => setMe(r.agent),
      () => setMe(null),
    );
  }, []);
  if (me === undefined) return <p class="muted loading">Loading…</p>;
  if (me === null) return <SignIn signedIn={setMe} />;
  return (
    <Console
      me={me}
      signedOut={() => {
        forgetCannedReplies();
        setMe(null);
      }}
    />
  );
}
