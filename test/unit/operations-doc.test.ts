/**
 * docs/OPERATIONS.md explains log lines by their message: every message its "Logs" table quotes
 * must be one the code logs, so the table cannot drift from the code.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const code = ['src', 'adapters', 'collectors', 'guardrails']
  .flatMap((d) => sources(path.join(root, d)))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

const doc = readFileSync(path.join(root, 'docs/OPERATIONS.md'), 'utf8');
const logsStart = doc.indexOf('## Logs');
const logsEnd = doc.indexOf('\n## ', logsStart + 1);
const logs = doc.slice(logsStart, logsEnd < 0 ? undefined : logsEnd);
/** The quoted messages of the table's "messages" column (a trailing … marks a prefix). */
const messages = logs
  .split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| class') && !l.startsWith('|---'))
  .flatMap((l) => [...(l.split('|')[2] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!));

describe('docs/OPERATIONS.md log classes', () => {
  it('quotes messages', () => {
    expect(messages.length).toBeGreaterThan(20);
  });

  it.each(messages)('the code logs %j', (message) => {
    const prefix = message.replace(/\s*…$/, '');
    expect(code).toContain(`'${prefix}`);
  });
});
