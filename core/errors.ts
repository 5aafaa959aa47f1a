/**
 * Typed errors that cross module boundaries. Each carries a stable `code` so
 * callers (HTTP layer, CLI, queue workers) can react without parsing messages.
 */

/** A config file is invalid; `file:line:col` points at the offending key. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  /** Dotted path of the offending key, e.g. `workspaces.0.channels.api.0.secret`. */
  path: string;
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path ? ` ${issue.path}:` : '';
  return `${issue.file}:${issue.line}:${issue.col}:${where} ${issue.message}`;
}

/** A webhook's signature or secret is missing or wrong. Maps to HTTP 401. */
export class SignatureError extends Error {
  readonly code = 'SIGNATURE_INVALID';
  constructor(message = 'missing or invalid signature') {
    super(message);
    this.name = 'SignatureError';
  }
}

/**
 * The caller is known not to be allowed (e.g. a Meta webhook without a valid `X-Hub-Signature-256`,
 * which Meta documents answering with 403; an emulator-mode activity asking for replies elsewhere).
 * Maps to HTTP 403 with code `forbidden`.
 */
export class ForbiddenError extends Error {
  readonly code = 'FORBIDDEN';
  readonly status = 403;
  constructor(message = 'forbidden') {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** What a request names (an agent, say) is not in the caller's workspace. Maps to HTTP 404. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/**
 * What the request needs is out of reach for now (Redis down or not answering): nothing was
 * queued, so the sender should deliver it again later. Maps to HTTP 503 with `Retry-After`.
 */
export class UnavailableError extends Error {
  readonly code = 'UNAVAILABLE';
  readonly status = 503;
  constructor(
    message: string,
    /** Seconds the sender is asked to wait before delivering again. */
    readonly retryAfterSeconds = 5,
  ) {
    super(message);
    this.name = 'UnavailableError';
  }
}

/** A webhook body could not be understood. Maps to HTTP 400 with `message` as the reason. */
export class PayloadError extends Error {
  readonly code = 'PAYLOAD_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

/**
 * A platform refused or failed a send. `retryable` decides whether the
 * outbound queue tries again (with backoff) or stores the failure for good.
 */
export class ChannelApiError extends Error {
  readonly code = 'CHANNEL_API';
  readonly status: number | undefined;
  readonly platformCode: string | undefined;
  readonly retryable: boolean;
  /** Milliseconds the platform asked us to wait (429 retry_after), if any. */
  readonly retryAfterMs: number | undefined;
  constructor(options: { message: string; status?: number; platformCode?: string; retryable: boolean; retryAfterMs?: number }) {
    super(options.message);
    this.name = 'ChannelApiError';
    this.status = options.status;
    this.platformCode = options.platformCode;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}
