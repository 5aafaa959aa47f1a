/* global WebSocket, window */
/**
 * The socket to the hub: reconnects with backoff, keeps an outbox of frames until the hub
 * acknowledges them (resent with the same id after a reconnect: the hub drops duplicates),
 * and catches up with `sync` after the last message it has seen.
 */

/**
 * @param {{ url: string, storage: ReturnType<typeof import('./storage.js').storageFor>, position: () => { after: number, conv?: string },
 *   onFrame: (frame: any) => void, onState: (connected: boolean) => void }} options
 */
export function connect(options) {
  const { url, storage } = options;
  /** @type {WebSocket | undefined} */
  let ws;
  let attempts = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let syncTimer;
  let outbox = storage.outbox();

  function open() {
    clearTimeout(timer);
    // A token past its lifetime is dropped here, not just refused by the hub: the id stays no
    // longer in the browser than it is good for, and this visit starts as a new visitor.
    const expires = Number(storage.get('visitorExpires'));
    if (expires && expires <= Date.now()) storage.forgetVisitor();
    const token = storage.get('visitor');
    const socket = new WebSocket(url, token ? ['switchboard.v1', `visitor.${token}`] : ['switchboard.v1']);
    ws = socket;
    socket.onopen = () => {
      attempts = 0;
      options.onState(true);
      sync();
      for (const frame of outbox) socket.send(JSON.stringify(frame));
    };
    socket.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (frame.t === 'hello') {
        if (frame.newVisitor) storage.forgetVisitor();
        storage.set('visitor', frame.visitor);
        // The hub says "valid for another …", counted here on this browser's clock: one set wrong does not matter.
        if (typeof frame.visitorExpiresInMs === 'number') storage.set('visitorExpires', String(Date.now() + frame.visitorExpiresInMs));
      }
      if (frame.t === 'ack') drop(frame.id);
      if (frame.t === 'error' && frame.id) {
        const pending = outbox.find((f) => f.id === frame.id);
        if (pending && frame.code === 'rate_limited') timer = setTimeout(() => send(pending, true), frame.retryAfterMs || 1000);
        else drop(frame.id); // refused for good: sending it again cannot help
      } else if (frame.t === 'error' && frame.code === 'rate_limited') {
        // The catch-up itself was refused (a burst right after a reconnect): without it, what came meanwhile would stay missing.
        clearTimeout(syncTimer);
        syncTimer = setTimeout(sync, frame.retryAfterMs || 1000);
      }
      options.onFrame(frame);
    };
    socket.onclose = () => {
      if (ws !== socket) return;
      ws = undefined;
      options.onState(false);
      // Backoff with jitter, so a restarted hub is not hit by every visitor at once.
      const delay = Math.min(10_000, 500 * 2 ** attempts++) * (0.5 + Math.random() / 2);
      timer = setTimeout(open, delay);
    };
  }

  /** Asks for everything after the last message this page has (the position comes from the caller each time). */
  function sync() {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ t: 'sync', ...options.position() }));
  }

  /** @param {string} id */
  function drop(id) {
    outbox = outbox.filter((f) => f.id !== id);
    storage.saveOutbox(outbox);
  }

  /** Sends a frame; one with an `id` is kept until acknowledged. @param {Record<string, unknown>} frame @param {boolean} [again] */
  function send(frame, again = false) {
    if (frame.id && !again) {
      outbox.push(frame);
      storage.saveOutbox(outbox);
    }
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
  }

  window.addEventListener('online', () => {
    if (!ws) open();
  });
  open();
  return {
    send,
    /** Frames not yet acknowledged (shown as pending after a reload). */
    pending: () => outbox.slice(),
    /** Closes the current socket as a network drop would (the widget reconnects). */
    drop: () => ws?.close(),
  };
}
