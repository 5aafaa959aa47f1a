import { useState } from 'preact/hooks';
import { ApiError } from './api';

/**
 * Reply or internal note: Enter sends, Shift+Enter starts a new line. A reply needs the
 * conversation to be yours; a note is for colleagues only and never reaches the contact.
 */
export function Composer(props: { canReply: boolean; reply: (text: string) => Promise<unknown>; note: (text: string) => Promise<unknown> }) {
  const [text, setText] = useState('');
  const [asNote, setAsNote] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const enabled = asNote || props.canReply;

  const send = async () => {
    const body = text.trim();
    if (!body || busy || !enabled) return;
    setBusy(true);
    setError('');
    // Cleared at once, so what is typed while it goes is kept; put back if it failed and nothing new was typed.
    setText('');
    try {
      await (asNote ? props.note(body) : props.reply(body));
    } catch (err) {
      setText((current) => current || body);
      setError(err instanceof ApiError ? err.message : 'The hub cannot be reached; try again.');
    } finally {
      setBusy(false);
    }
  };

  const keyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const placeholder = asNote ? 'Write an internal note (only agents see it)' : props.canReply ? 'Write a reply' : 'Take the conversation to reply';
  return (
    <form
      class={`composer${asNote ? ' composer-note' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <label class="note-toggle">
        <input type="checkbox" checked={asNote} onChange={(e) => setAsNote(e.currentTarget.checked)} />
        Internal note
      </label>
      <textarea
        aria-label={asNote ? 'Internal note' : 'Reply'}
        placeholder={placeholder}
        rows={3}
        value={text}
        disabled={!enabled}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={keyDown}
      />
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" class="primary" disabled={!enabled || busy || !text.trim()}>
        {asNote ? 'Add note' : 'Send'}
      </button>
    </form>
  );
}
