import { useEffect, useState } from 'preact/hooks';
import { Actions } from './actions';
import { api, ApiError } from './api';
import { Composer } from './composer';
import { ContactPanel } from './contact-panel';
import { ChannelIcon } from './icons';
import { allowed, ownerText } from './permissions';
import { Timeline } from './timeline';
import type { Typist } from './typing';
import type { Agent, ConversationDetail } from './types';

/**
 * One conversation: header with its actions, the history, the composer and the contact. Read
 * again whenever `version` moves (a live event about it, or an action of ours).
 */
export function ConversationPane(props: {
  id: string;
  version: number;
  me: Agent;
  /** Whoever is typing in it just now (the live socket's `typing` events). */
  typist?: Typist | undefined;
  changed: () => void;
  read: (id: string) => void;
}) {
  const { id, me } = props;
  const [detail, setDetail] = useState<ConversationDetail | undefined>();
  const [error, setError] = useState('');
  const [actionError, setActionError] = useState('');

  useEffect(() => {
    let current = true;
    api.conversation(id).then(
      (d) => {
        if (!current) return;
        setDetail(d);
        setError('');
        if (d.conversation.unread) {
          props.read(id);
          api.read(id).catch(() => undefined);
        }
      },
      (err: unknown) => {
        if (!current) return;
        setError(
          err instanceof ApiError && err.status === 404
            ? 'This conversation is not in your workspace (or no longer exists).'
            : 'The conversation could not be read.',
        );
      },
    );
    return () => {
      current = false;
    };
  }, [id, props.version]);

  if (error) {
    return (
      <section class="pane pane-wide">
        <p class="error" role="alert">
          {error}
        </p>
      </section>
    );
  }
  if (!detail || detail.conversation.id !== id) return <section class="pane pane-wide muted">Loading…</section>;

  const c = detail.conversation;
  const can = allowed(c, me);
  // Every action reads the conversation again; the live event that follows does so too, harmlessly.
  const act = (run: () => Promise<unknown>) => async () => {
    try {
      setActionError('');
      await run();
    } catch (err) {
      setActionError(err instanceof ApiError ? err.message : 'The hub cannot be reached; try again.');
      return;
    }
    props.changed();
  };
  return (
    <>
      <section class="pane" aria-label="Conversation">
        <header class="pane-head">
          <ChannelIcon channel={c.channel} />
          <div class="pane-title">
            <h2>{detail.contact.name || c.contact.name || 'Unknown contact'}</h2>
            <span class={`owner owner-${c.status}`}>{ownerText(c, me)}</span>
            {c.team ? <span class="muted"> · team {c.team}</span> : null}
          </div>
          <Actions
            can={can}
            exclude={[me.id, ...(c.status === 'agent' && c.assignee ? [c.assignee.id] : [])]}
            run={{
              take: act(() => api.take(id)),
              handBack: (mode) => act(() => api.handBack(id, mode))(),
              transfer: (to) => act(() => api.transfer(id, to))(),
              close: act(() => api.close(id)),
              reopen: act(() => api.reopen(id)),
            }}
          />
        </header>
        {actionError ? (
          <p class="error pane-error" role="alert">
            {actionError}
          </p>
        ) : null}
        <Timeline detail={detail} />
        {props.typist ? (
          <p class="typing-line" role="status">
            {props.typist.who === 'contact' ? detail.contact.name || c.contact.name || 'The contact' : props.typist.name || 'A colleague'} is typing…
          </p>
        ) : null}
        <Composer
          canReply={can.reply}
          typing={() => void api.typing(id).catch(() => undefined)}
          reply={async (text) => {
            await api.reply(id, text);
            props.changed();
          }}
          note={async (text) => {
            await api.note(id, text);
            props.changed();
          }}
        />
      </section>
      <ContactPanel contact={detail.contact} conversation={c} />
    </>
  );
}
