import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { cannedReplies, matching } from './canned';
import type { CannedReply } from './types';

/** How often the composer tells the hub the agent is typing (the hub allows no more: core/typing/agent-typing.ts). */
const typingEveryMs = 3000;

/**
 * Reply or internal note: Enter sends, Shift+Enter starts a new line. A reply needs the
 * conversation to be yours; a note is for colleagues only and never reaches the contact. A
 * message that is just `/shortcut` offers the matching canned replies (arrows and Enter, or a
 * click, put one in its place; Escape closes the list). While the agent types a reply, the
 * contact sees the channel's typing indicator (where it has one) and colleagues see "typing…".
 */
export function Composer(props: {
  canReply: boolean;
  reply: (text: string) => Promise<unknown>;
  note: (text: string) => Promise<unknown>;
  /** The agent is typing a reply: called at most once in {@link typingEveryMs}, never for a note. */
  typing: () => void;
}) {
  const [text, setText] = useState('');
  const [asNote, setAsNote] = useState(false);
  /** Sends in the order they were made: Enter pressed again while one is on its way queues the next, it is never dropped. */
  const sending = useRef<Promise<void>>(Promise.resolve());
  const [error, setError] = useState('');
  const [replies, setReplies] = useState<CannedReply[]>([]);
  const [active, setActive] = useState(0);
  // The text the list was closed on with Escape: it stays closed until the text changes.
  const [dismissed, setDismissed] = useState<string | undefined>();
  const field = useRef<HTMLTextAreaElement>(null);
  const typedAt = useRef(0);
  const enabled = asNote || props.canReply;

  useEffect(() => {
    let current = true;
    cannedReplies().then(
      (r) => current && setReplies(r),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, []);

  const offered = enabled && dismissed !== text ? matching(replies, text) : [];
  const chosen = Math.min(active, offered.length - 1);
  const pick = (r: CannedReply) => {
    setText(r.text);
    setActive(0);
    field.current?.focus();
  };

  const send = () => {
    const body = text.trim();
    if (!body || !enabled) return;
    setError('');
    // Cleared at once, so what is typed while it goes is kept; put back if it failed and nothing new was typed.
    setText('');
    const go = asNote ? props.note : props.reply;
    sending.current = sending.current.then(async () => {
      try {
        await go(body);
      } catch (err) {
        setText((current) => current || body);
        setError(err instanceof ApiError ? err.message : 'The hub cannot be reached; try again.');
      }
    });
  };

  const keyDown = (e: KeyboardEvent) => {
    if (offered.length && !e.isComposing) {
      const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
      if (step) {
        e.preventDefault();
        return setActive((chosen + step + offered.length) % offered.length);
      }
      if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
        e.preventDefault();
        return pick(offered[chosen]!);
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        return setDismissed(text);
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const placeholder = asNote ? 'Write an internal note (only agents see it)' : props.canReply ? 'Write a reply' : 'Take the conversation to reply';
  return (
    <form
      class={`composer${asNote ? ' composer-note' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label class="note-toggle">
        <input type="checkbox" checked={asNote} onChange={(e) => setAsNote(e.currentTarget.checked)} />
        Internal note
      </label>
      <div class="composer-field">
        {offered.length ? (
          <ul class="canned" id="canned-replies" role="listbox" aria-label="Canned replies">
            {offered.map((r, i) => (
              <li
                key={r.shortcut}
                id={`canned-${r.shortcut}`}
                role="option"
                aria-selected={i === chosen}
                class={i === chosen ? 'canned-active' : undefined}
                // Keeps the focus in the text field.
                onMouseDown={(e) => e.preventDefault()}
                onMouseEnter={() => setActive(i)}
                onClick={() => pick(r)}
              >
                <span class="canned-shortcut">/{r.shortcut}</span>
                <span class="canned-text">{r.text}</span>
              </li>
            ))}
          </ul>
        ) : null}
        <textarea
          ref={field}
          aria-label={asNote ? 'Internal note' : 'Reply'}
          aria-autocomplete="list"
          aria-controls={offered.length ? 'canned-replies' : undefined}
          aria-activedescendant={offered.length ? `canned-${offered[chosen]!.shortcut}` : undefined}
          placeholder={placeholder}
          rows={3}
          value={text}
          disabled={!enabled}
          onInput={(e) => {
            const value = e.currentTarget.value;
            setText(value);
            setActive(0);
            // A note is for colleagues only: the contact must not see anyone typing it.
            if (asNote || !props.canReply || !value.trim() || Date.now() - typedAt.current < typingEveryMs) return;
            typedAt.current = Date.now();
            props.typing();
          }}
          onKeyDown={keyDown}
        />
      </div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" class="primary" disabled={!enabled || !text.trim()}>
        {asNote ? 'Add note' : 'Send'}
      </button>
    </form>
  );
}
