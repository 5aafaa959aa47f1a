import { useEffect, useRef, useState } from 'preact/hooks';
import type { TypingEvent } from './types';

/** How long "typing…" stays after the last event: whoever types is heard of again every 3 s while they do. */
const showMs = 5000;

/** Who is typing in a conversation: its contact, or a colleague by name. */
export type Typist = { who: 'contact' } | { who: 'agent'; name?: string };

/**
 * Who is typing, per conversation, for {@link showMs} after each `typing` event of the live
 * socket. The signed-in agent's own typing comes back from the hub too, and is left out.
 */
export function useTyping(me: string): { heard(e: TypingEvent): void; in(id: string | undefined): Typist | undefined } {
  const [typists, setTypists] = useState<Record<string, Typist>>({});
  const timers = useRef(new Map<string, number>());
  useEffect(() => () => timers.current.forEach((t) => window.clearTimeout(t)), []);

  const heard = (e: TypingEvent) => {
    if (e.who === 'agent' && e.agent.id === me) return;
    const typist: Typist = e.who === 'contact' ? { who: 'contact' } : { who: 'agent', ...(e.agent.name ? { name: e.agent.name } : {}) };
    setTypists((t) => ({ ...t, [e.conversation]: typist }));
    window.clearTimeout(timers.current.get(e.conversation));
    const stop = () => {
      timers.current.delete(e.conversation);
      setTypists(({ [e.conversation]: _gone, ...rest }) => rest);
    };
    timers.current.set(e.conversation, window.setTimeout(stop, showMs));
  };
  return { heard, in: (id) => (id ? typists[id] : undefined) };
}
