import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveEvent } from './types';

export type LiveState = 'connecting' | 'live' | 'offline';

/** The close code the hub sends when the session ended (core/console/socket.ts). */
const signedOutCode = 4401;
const firstRetryMs = 500;
const lastRetryMs = 30_000;

export interface LiveHandlers {
  event(e: LiveEvent): void;
  /** Every open after the first: events may have been missed meanwhile, so lists are read again. */
  reconnected(): void;
  /** The hub closed the socket because the session ended, or a reconnect found it gone. */
  signedOut(): void;
  /** Whether the session still holds (asked after a failed connect, since a refused handshake says nothing to a page). */
  stillSignedIn(): Promise<boolean>;
}

/**
 * The workspace's events over `/console/ws`, reconnecting with a doubling backoff (with jitter,
 * so a hub restart is not met by every console at once) while the page lives.
 */
export function useLive(handlers: LiveHandlers): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    let ws: WebSocket | undefined;
    let timer: number | undefined;
    let delay = firstRetryMs;
    let opened = false;
    let stopped = false;

    const connect = () => {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/console/ws`;
      const socket = new WebSocket(url);
      ws = socket;
      let open = false;
      socket.onopen = () => {
        open = true;
        delay = firstRetryMs;
        setState('live');
        if (opened) latest.current.reconnected();
        opened = true;
      };
      socket.onmessage = (m) => {
        try {
          const event = JSON.parse(String(m.data)) as LiveEvent;
          if (event && (event.t === 'conversation' || event.t === 'typing' || event.t === 'presence')) latest.current.event(event);
        } catch {
          // Not ours to understand: a newer hub's frame.
        }
      };
      socket.onclose = async (e) => {
        if (stopped) return;
        setState('offline');
        if (e.code === signedOutCode) return latest.current.signedOut();
        if (!open && !(await latest.current.stillSignedIn().catch(() => true))) return latest.current.signedOut();
        timer = window.setTimeout(connect, delay * (0.75 + Math.random() / 2));
        delay = Math.min(delay * 2, lastRetryMs);
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      ws?.close();
    };
  }, []);
  return state;
}
