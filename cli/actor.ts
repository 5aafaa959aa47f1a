import { userInfo } from 'node:os';

/** Who did it, for the request and audit logs: the CLI and the operating-system user. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}
