import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * JSON logs (pino). Message bodies and secrets are never logged at info: log ids,
 * and put bodies at debug only. `redact` is a second line of defence.
 */
export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const settings = {
    name: options.name ?? 'switchboard',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: ['secret', '*.secret', 'text', '*.text', 'headers.authorization', 'headers["x-switchboard-signature"]'], censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
