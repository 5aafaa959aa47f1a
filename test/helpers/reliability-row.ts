import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a test measured, for its row of the reliability table (reliability/run.ts). */
export interface RowFigures {
  messages: number;
  lost?: number;
  duplicated?: number;
  resent?: number;
  http5xx?: number;
  maxAckMs?: number;
  recoveryMs?: number | null;
  notes?: string[];
}

/**
 * Hands a test's figures to the reliability suite, which runs some scenarios as vitest files
 * (`RELIABILITY_ROWS` names the folder it reads them from); in a plain test run it does nothing.
 */
export function reportRow(scenario: string, figures: RowFigures): void {
  const dir = process.env.RELIABILITY_ROWS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${scenario}.json`), JSON.stringify(figures));
}
