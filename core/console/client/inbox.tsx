import type { InboxFilter } from './api';
import { ChannelIcon } from './icons';
import { ago, useNow } from './time';
import type { Summary, View } from './types';
import { views } from './views';

const channels = ['widget', 'telegram', 'messenger', 'whatsapp', 'botframework', 'api'];

export interface InboxList {
  items: Summary[];
  next?: string;
  loading: boolean;
  error?: string;
}

const senderPrefix: Record<string, string> = { bot: 'Bot: ', agent: 'Agent: ', system: '' };

function Row({ c, selected, open }: { c: Summary; selected: boolean; open: (id: string) => void }) {
  const now = useNow();
  const since = c.status === 'waiting' ? (c.waitingSince ?? c.lastMessageAt) : c.lastMessageAt;
  const preview = c.lastMessage ? `${senderPrefix[c.lastMessage.sender] ?? ''}${c.lastMessage.text ?? ''}` : '';
  return (
    <li>
      <button
        type="button"
        class={`row${selected ? ' selected' : ''}${c.unread ? ' unread' : ''}`}
        data-id={c.id}
        aria-current={selected}
        onClick={() => open(c.id)}
      >
        <ChannelIcon channel={c.channel} />
        <span class="row-main">
          <span class="row-top">
            <span class="row-name">{c.contact.name || 'Unknown contact'}</span>
            <time class="row-time" dateTime={since} title={since ? new Date(since).toLocaleString() : ''}>
              {c.status === 'waiting' ? `waiting ${ago(since, now)}` : ago(since, now)}
            </time>
          </span>
          <span class="row-bottom">
            <span class="row-preview">{preview}</span>
            {c.unread ? (
              <span class="badge" aria-label={`${c.unread} unread`}>
                {c.unread}
              </span>
            ) : null}
          </span>
          {c.assignee || c.team ? <span class="row-meta">{[c.assignee?.name, c.team].filter(Boolean).join(' · ')}</span> : null}
        </span>
      </button>
    </li>
  );
}

/** The conversation list: views as tabs, channel and team filters, one row per conversation. */
export function Inbox(props: {
  filter: InboxFilter;
  setFilter: (f: InboxFilter) => void;
  list: InboxList;
  teams: string[];
  selected?: string;
  open: (id: string) => void;
  more: () => void;
}) {
  const { filter, setFilter, list } = props;
  return (
    <nav class="inbox" aria-label="Conversations">
      <div class="tabs" role="tablist">
        {views.map((v) => (
          <button
            type="button"
            role="tab"
            key={v.id}
            aria-selected={filter.view === v.id}
            class="tab"
            onClick={() => setFilter({ ...filter, view: v.id as View })}
          >
            {v.label}
          </button>
        ))}
      </div>
      <div class="filters">
        <select aria-label="Channel" value={filter.channel ?? ''} onChange={(e) => setFilter({ ...filter, channel: e.currentTarget.value || undefined })}>
          <option value="">All channels</option>
          {channels.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <select aria-label="Team" value={filter.team ?? ''} onChange={(e) => setFilter({ ...filter, team: e.currentTarget.value || undefined })}>
          <option value="">All teams</option>
          {props.teams.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      {list.error ? (
        <p class="error" role="alert">
          {list.error}
        </p>
      ) : null}
      <ul class="rows" aria-busy={list.loading}>
        {list.items.map((c) => (
          <Row key={c.id} c={c} selected={c.id === props.selected} open={props.open} />
        ))}
      </ul>
      {!list.loading && !list.items.length && !list.error ? <p class="empty muted">Nothing here.</p> : null}
      {list.next ? (
        <button type="button" class="more" onClick={props.more} disabled={list.loading}>
          Load more
        </button>
      ) : null}
    </nav>
  );
}
