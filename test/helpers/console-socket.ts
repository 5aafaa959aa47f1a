import WebSocket from 'ws';

/**
 * A console socket (`/console/ws`) as a browser opens it: resolves once open with the frames it
 * receives and `next` (the next frame not read yet), or rejects with the refusal's status.
 */
export function openConsoleSocket(
  url: string,
  headers: { cookie?: string; origin?: string },
): Promise<{ ws: WebSocket; frames: string[]; next: () => Promise<string> }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/console/ws`, { headers: { origin: url, ...headers } });
  const frames: string[] = [];
  const waiting: ((f: string) => void)[] = [];
  let read = 0;
  ws.on('message', (data) => {
    frames.push(data.toString());
    if (waiting.length) waiting.shift()!(frames[read++]!);
  });
  const next = () => (read < frames.length ? Promise.resolve(frames[read++]!) : new Promise<string>((r) => waiting.push(r)));
  return new Promise((ok, fail) => {
    ws.once('open', () => ok({ ws, frames, next }));
    ws.once('unexpected-response', (_req, res) => fail(Object.assign(new Error(`refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', fail);
  });
}
