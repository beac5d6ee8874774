/**
 * What a scenario measured (a latency, a count, which state a file ended in), for the "observed"
 * column of docs/RELIABILITY.md. `test/faults/report.ts` sets FAULTS_NOTES to a file; without it
 * notes are dropped.
 */
import { appendFileSync } from 'node:fs';
import { expect } from 'vitest';

export function note(text: string): void {
  const file = process.env.FAULTS_NOTES;
  if (!file) return;
  const test = expect.getState().currentTestName ?? 'unknown';
  appendFileSync(file, `${JSON.stringify({ test, text })}\n`);
}

export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
