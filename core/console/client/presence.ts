import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api';
import type { Presence } from './types';

/** Until the hub says otherwise (its answer carries the pace). */
const defaultEveryMs = 20_000;
const usedOn = ['keydown', 'pointerdown', 'focus'] as const;

/**
 * This console's heartbeat (docs/console-api.md, "Colleagues, teams and presence"): every beat
 * says whether the agent used the page since the last one, so the hub can turn them `away`
 * after the workspace's idle time; `choose` is the agent's own toggle. Resolves to their presence.
 */
export function usePresence(): { presence: Presence | undefined; choose(status: Presence): void } {
  const [presence, setPresence] = useState<Presence | undefined>();
  const used = useRef(true);

  useEffect(() => {
    let timer: number | undefined;
    let stopped = false;
    const mark = () => {
      used.current = true;
    };
    for (const e of usedOn) window.addEventListener(e, mark, { capture: true, passive: true });
    const beat = (): void => {
      const active = used.current;
      used.current = false;
      api.presence({ active }).then(
        (r) => {
          setPresence(r.presence);
          if (!stopped) timer = window.setTimeout(beat, r.heartbeatEveryMs);
        },
        // Signed out or unreachable: the socket's handling says so; keep beating in case it comes back.
        () => {
          if (!stopped) timer = window.setTimeout(beat, defaultEveryMs);
        },
      );
    };
    beat();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      for (const e of usedOn) window.removeEventListener(e, mark, { capture: true });
    };
  }, []);

  const choose = (status: Presence) =>
    void api.presence({ status }).then(
      (r) => setPresence(r.presence),
      () => undefined,
    );
  return { presence, choose };
}
