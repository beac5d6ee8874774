/**
 * postgresql.auto.conf snapshots: after any apply that was interrupted or failed, the file must hold
 * either the complete previous state or the complete new one, never a mix.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

export function readAutoConf(dataDir: string): string {
  return readFileSync(path.join(dataDir, 'postgresql.auto.conf'), 'latin1');
}

/** `name = 'value'` lines as a map (ALTER SYSTEM's format). */
export function autoConfSettings(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_.]+)\s*=\s*'?(.*?)'?\s*$/.exec(line);
    if (m?.[1] && !line.trimStart().startsWith('#')) out.set(m[1].toLowerCase(), m[2] ?? '');
  }
  return out;
}

/**
 * The file equals the old snapshot (byte for byte), or it holds every proposed knob with the
 * proposed value and nothing else changed. Returns which one.
 */
export function expectOldOrNew(
  dataDir: string,
  old: string,
  proposed: Record<string, string>,
): 'old' | 'new' {
  const now = readAutoConf(dataDir);
  if (now === old) return 'old';
  const before = autoConfSettings(old);
  const after = autoConfSettings(now);
  const expected = new Map(before);
  for (const [k, v] of Object.entries(proposed)) expected.set(k.toLowerCase(), v);
  expect(
    Object.fromEntries(after),
    'postgresql.auto.conf is neither the old nor the complete new state',
  ).toEqual(Object.fromEntries(expected));
  return 'new';
}
