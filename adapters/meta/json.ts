import { PayloadError } from '../../core/errors.js';

/** Parses a webhook body; a body that is not JSON is a {@link PayloadError} (400, logged by the HTTP layer). */
export function parseJsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new PayloadError('body is not valid JSON');
  }
}

/** The first zod-style issue as `"path": message`, for a PayloadError a person can act on. */
export function describeIssue(issue: { path: readonly PropertyKey[]; message: string }): string {
  return `${issue.path.length ? `"${issue.path.map(String).join('.')}": ` : ''}${issue.message}`;
}
