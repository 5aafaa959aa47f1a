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
    redact: { paths: ['secret', '*.secret', 'text', '*.text', 'headers.authorization', 'headers["x-switchboard-signature"]'], censor: '[redacted]' },
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
