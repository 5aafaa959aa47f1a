/** Reads an integer command-line flag of a benchmark (parseArgs gives strings), refusing nonsense with the flag's name. */
export function integerFlag(flags: Record<string, string | boolean | undefined>, name: string, min = 1): number {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
}
