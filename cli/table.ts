/** Rows of cells as aligned columns (the first row is the heading), for a terminal. */
export function columns(lines: string[][]): string {
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return lines
    .map((l) =>
      l
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A date as its day, `-` for none. */
export const day = (d: Date | undefined | null) => (d ? d.toISOString().slice(0, 10) : '-');
