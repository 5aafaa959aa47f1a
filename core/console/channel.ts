/**
 * The Redis pub/sub channel of one workspace's console events: `<prefix>:console:<workspace>`.
 * Whatever changes a conversation publishes `{"t": "conversation", "conversation": <inbox summary>}`
 * there (docs/console-api.md); every web process forwards it to that workspace's open consoles.
 * Pub/sub keeps nothing in Redis, so it needs no privacy contract of its own.
 */
export function consoleChannel(prefix: string, workspace: string): string {
  return `${prefix}:console:${workspace}`;
}
