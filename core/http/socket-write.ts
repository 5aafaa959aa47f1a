import type { WebSocket } from 'ws';

/**
 * Unsent bytes one socket may hold. A client that stops reading would otherwise make the hub
 * buffer for it without end; dropped, an honest client reconnects and catches up (the widget
 * with `sync`, the console by reading its lists again), so nothing is lost.
 */
const maxBufferedBytes = 1024 * 1024;

/** Writes one frame to an open socket, or drops a socket that has stopped reading. */
export function write(ws: WebSocket, data: string): void {
  if (ws.readyState !== 1) return;
  if (ws.bufferedAmount > maxBufferedBytes) return void ws.terminate();
  ws.send(data);
}
