import type { Config } from './config/schema.js';
import { defaultsUsed } from './config/defaults-used.js';
import { isLoopbackHost } from './loopback.js';

/**
 * The mark of the demo config's placeholder secrets (`${DEMO_API_SECRET:-demo-secret-change-me}`):
 * fine on a laptop, anyone's to guess anywhere else.
 */
const placeholder = /change-me/i;

/** A setting that still holds a placeholder secret; never its value. */
export interface DefaultSecret {
  /** Dotted path in the config (`workspaces.0.channels.api.0.secret`). */
  path: string;
  /** The unset environment variables it would come from, when the loader knows them. */
  variables: string[];
  /** `file:line:col` of the value, when the loader knows it. */
  at?: string;
}

/** Every string in the config holding a placeholder secret, wherever it is (a new setting needs no list), in file order when known. */
export function defaultSecretsInUse(config: Config): DefaultSecret[] {
  const known = new Map(defaultsUsed(config).map((d) => [d.path, d]));
  const found: (DefaultSecret & { order: number })[] = [];
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === 'string') {
      if (!placeholder.test(value)) return;
      const source = known.get(path.join('.'));
      found.push({
        path: path.join('.'),
        variables: source?.variables ?? [],
        ...(source ? { at: `${source.file}:${source.line}:${source.col}` } : {}),
        order: source ? source.line * 10_000 + source.col : Number.MAX_SAFE_INTEGER,
      });
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(config, []);
  // Values the schema turned into something else (an API key into its digest) are judged as written.
  for (const d of known.values())
    if (placeholder.test(d.value) && !found.some((f) => f.path === d.path))
      found.push({ path: d.path, variables: d.variables, at: `${d.file}:${d.line}:${d.col}`, order: d.line * 10_000 + d.col });
  return found.sort((a, b) => a.order - b.order).map(({ order: _, ...f }) => f);
}

/**
 * Throws, naming each setting (and the variable that would replace it), when the hub would listen
 * beyond this machine with a placeholder secret: the README's demo on 127.0.0.1 keeps working,
 * `HOST=0.0.0.0` with the defaults does not start.
 */
export function refuseDefaultSecrets(config: Config): void {
  const { host } = config.server;
  if (isLoopbackHost(host)) return;
  const found = defaultSecretsInUse(config);
  if (!found.length) return;
  const lines = found.map((f) => {
    const from = f.variables.length ? ` (set ${f.variables.join(', ')})` : '';
    return `  ${f.at ? `${f.at}: ` : ''}${f.path}${from}`;
  });
  throw new Error(
    [
      `refusing to listen on ${host}: it is not a loopback address, and these settings still hold the demo's placeholder secrets (values containing "change-me"):`,
      ...lines,
      'Give each a secret of your own (in the environment), or listen on 127.0.0.1.',
    ].join('\n'),
  );
}
