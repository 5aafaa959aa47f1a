import { useEffect, useRef } from 'preact/hooks';
import { clock, useNow } from './time';
import type { ConversationDetail, ConversationEvent, Message, Note } from './types';

type Item = { kind: 'message'; m: Message } | { kind: 'note'; n: Note } | { kind: 'event'; e: ConversationEvent };

/** Messages in their stored order, with notes and events put in by time (each before the first message that came after it). */
function merge(d: ConversationDetail): Item[] {
  const items: Item[] = d.messages.map((m) => ({ kind: 'message', m }));
  const extra: { at: number; item: Item }[] = [
    ...d.notes.map((n) => ({ at: Date.parse(n.at), item: { kind: 'note', n } as Item })),
    ...d.events.map((e) => ({ at: Date.parse(e.at), item: { kind: 'event', e } as Item })),
  ].sort((a, b) => a.at - b.at);
  for (const x of extra) {
    const i = items.findIndex((it) => it.kind === 'message' && Date.parse(it.m.at) > x.at);
    if (i < 0) items.push(x.item);
    else items.splice(i, 0, x.item);
  }
  return items;
}

const delivery: Record<Message['status'], string> = {
  received: '',
  processed: '',
  queued: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Failed',
  dropped: 'Not sent',
};

const eventText: Record<string, (actor: string) => string> = {
  handed_off: () => 'The bot handed the conversation to people',
  taken: (a) => `${a} took the conversation`,
  assigned: () => 'Routing assigned the conversation',
  handed_back: (a) => `${a} handed it back to the bot`,
  closed: (a) => `${a} closed the conversation`,
  reopened: (a) => `${a} reopened the conversation`,
  transferred: (a) => `${a} transferred the conversation`,
};

function Bubble({ m, contactName, now }: { m: Message; contactName: string; now: number }) {
  if (m.sender === 'system') {
    return (
      <li class="msg msg-system" data-sender="system">
        <span class="msg-text">{m.text}</span>
      </li>
    );
  }
  const who = m.sender === 'contact' ? contactName : m.sender === 'bot' ? 'Bot' : (m.senderName ?? 'Agent');
  const state = m.sender === 'contact' ? (m.status === 'failed' ? 'Failed' : '') : delivery[m.status];
  return (
    <li class={`msg msg-${m.sender}`} data-sender={m.sender} data-status={m.status}>
      <span class="msg-who">{who}</span>
      <div class="msg-bubble">
        {m.text ? <p class="msg-text">{m.text}</p> : null}
        {!m.text && m.choice ? <p class="msg-text msg-choice">{m.choice}</p> : null}
        {m.media?.map((x, i) => (
          <p key={i} class="msg-media">
            {x.kind}
            {x.name ? `: ${x.name}` : ''}
          </p>
        ))}
      </div>
      <span class="msg-foot">
        <time dateTime={m.at}>{clock(m.at, now)}</time>
        {state ? <span class={`msg-state state-${m.status}`}>{state}</span> : null}
        {m.error && (m.status === 'failed' || m.status === 'dropped') ? <span class="msg-error">{m.error}</span> : null}
      </span>
    </li>
  );
}

/** The whole history: the contact on the left, bot and agents on the right under their names, system lines centred, notes in yellow. */
export function Timeline({ detail }: { detail: ConversationDetail }) {
  const now = useNow(60_000);
  const end = useRef<HTMLLIElement>(null);
  const items = merge(detail);
  useEffect(() => end.current?.scrollIntoView({ block: 'end' }), [items.length, detail.conversation.id]);
  const contactName = detail.contact.name || detail.conversation.contact.name || 'Contact';
  return (
    <ol class="timeline" aria-label="Messages">
      {items.map((it, i) =>
        it.kind === 'message' ? (
          <Bubble key={`m${it.m.id}`} m={it.m} contactName={contactName} now={now} />
        ) : it.kind === 'note' ? (
          <li key={`n${it.n.id}`} class="note" data-kind="note">
            <span class="note-label">Internal note · {it.n.author.name ?? 'an agent'}</span>
            <p class="note-text">{it.n.text}</p>
            <time dateTime={it.n.at}>{clock(it.n.at, now)}</time>
          </li>
        ) : (
          <li key={`e${i}`} class="event" data-kind="event">
            {(eventText[it.e.kind] ?? ((a: string) => `${a}: ${it.e.kind}`))(it.e.actor)} · {clock(it.e.at, now)}
          </li>
        ),
      )}
      <li ref={end} class="timeline-end" aria-hidden="true" />
    </ol>
  );
}
