import { randomUUID } from 'node:crypto';
import { eventually, postApi } from './hub.js';
import type { Receiver } from './receiver.js';

/**
 * Contacts writing on a test hub's api channel, and what the business's webhook received for each:
 * `write` a message, read the `received` texts, wait `until` a count arrived. `hubUrl` is a getter,
 * as the hub starts in `beforeAll`.
 */
export function apiContacts(at: { hubUrl: () => string; receiver: () => Receiver; account: string; secret: string }) {
  const received = (user: string) =>
    at
      .receiver()
      .replies.filter((r) => r.user === user)
      .map((r) => r.text);
  return {
    write: (user: string, text: string) => postApi(at.hubUrl(), at.account, { id: randomUUID(), user, text }, { secret: at.secret }),
    received,
    until: (user: string, count: number) => eventually(async () => received(user).length >= count, 10_000, `${count} replies to ${user}`),
  };
}

/** The admin API as a signed-in agent's console page calls it (the hub's own origin, the session cookie): GET without a body, else POST. */
export async function consoleCall(hubUrl: string, cookie: string, path: string, body?: unknown) {
  const res = await fetch(`${hubUrl}/api${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', origin: hubUrl, cookie },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
