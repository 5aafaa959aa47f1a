/**
 * `${NAME}` and `${NAME:-default}` in config strings are replaced from the
 * environment, so secrets stay out of the file. `$${` escapes a literal `${`.
 */
const pattern = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface Interpolated {
  value: string;
  /** Variables that were referenced, unset, and had no default. */
  missing: string[];
  /** Variables that were unset and gave their default (a start refuses demo secrets by naming them). */
  defaulted: string[];
}

export function interpolate(input: string, env: NodeJS.ProcessEnv): Interpolated {
  const missing: string[] = [];
  const defaulted: string[] = [];
  const value = input.replace(pattern, (whole, escape: string, name: string, fallback: string | undefined) => {
    if (escape) return whole.slice(1);
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) {
      defaulted.push(name);
      return fallback;
    }
    missing.push(name);
    return '';
  });
  return { value, missing, defaulted };
}
