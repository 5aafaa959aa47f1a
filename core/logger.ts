import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** `json`: one JSON object a line (for log collectors); `pretty`: a readable line each, for people at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** `LOG_FORMAT` (`pretty` or `json`) when set, else pretty when stdout is a terminal, JSON otherwise. */
function formatFromEnv(): LogFormat {
  const wanted = process.env.LOG_FORMAT?.trim().toLowerCase();
  if (wanted === 'pretty' || wanted === 'json') return wanted;
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/**
 * Logs (pino): JSON, or readable lines at a terminal (see {@link formatFromEnv}; a `destination`
 * gets JSON unless `format` says otherwise). Message bodies and secrets are never logged at info:
 * log ids, and put bodies at debug only. `redact` is a second line of defence, in both formats.
 */
export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream; format?: LogFormat } = {}): Logger {
  const settings = {
    name: options.name ?? 'switchboard',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: redactedPaths, censor: '[redacted]' },
    // Free-text reasons quote what caused them: scrubbed like error messages.
    serializers: { err: safeError, error: safeError, reason: safeError },
  };
  const format = options.format ?? (options.destination ? 'json' : formatFromEnv());
  if (format === 'pretty') {
    // In-process and synchronous, like JSON to stdout: no worker thread, nothing lost when the process exits.
    return pino(
      settings,
      pretty({ sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l', ...(options.destination ? { destination: options.destination } : {}) }),
    );
  }
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/**
 * Fields that hold bodies, secrets or a person's identifiers wherever a log call names them. On
 * WhatsApp `user` and `platformId` carry the phone number.
 */
const redactedPaths = [
  'secret',
  '*.secret',
  'text',
  '*.text',
  'user',
  '*.user',
  'platformId',
  '*.platformId',
  'email',
  '*.email',
  'phone',
  '*.phone',
  'headers.authorization',
  'headers.cookie',
  'headers["x-switchboard-signature"]',
];

/** E-mail addresses, and runs of 6 or more digits (phone numbers, chat and user ids), in free text. */
const identifiers = [/[^\s@"'<>()]+@[^\s@"'<>()]+\.[A-Za-z]{2,}/g, /\+?\d(?:[\d -]{4,}\d)/g];

/** A text with e-mail addresses and long numbers replaced: an error message may quote what caused it. */
export function withoutIdentifiers(text: string): string {
  return identifiers.reduce((out, pattern) => out.replace(pattern, (m) => (m.includes('@') ? '[email]' : '[number]')), text);
}

/**
 * An error as logs show it: its type, code, status and stack, with identifiers removed from the
 * message and stack, and nothing else. Platform errors carry what was sent as properties (grammY's
 * `payload` holds the chat id and the text), which pino's standard serializer would log whole.
 */
export function safeError(err: unknown): unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? withoutIdentifiers(err) : err;
  const { code, status } = err as { code?: unknown; status?: unknown };
  return {
    type: err.name,
    message: withoutIdentifiers(err.message),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof status === 'number' ? { status } : {}),
    ...(err.stack ? { stack: withoutIdentifiers(err.stack) } : {}),
  };
}
