/**
 * The committed dbtune.yaml lists exactly the schema's keys, each with its env var, and is a valid
 * configuration once uncommented; dbtune.schema.json matches the zod schema.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { z } from 'zod';
import { envNameOf, loadConfig, type CollectorInfo } from './index.js';
import { buildJsonSchema } from './json-schema.js';
import { LEAVES } from './schema-walk.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const example = readFileSync(path.join(root, 'dbtune.yaml'), 'utf8');

/** `# key: value` lines are settings; `##` lines are prose. */
const uncommented = example
  .split('\n')
  .map((line) => (/^#(?!#)/.test(line) ? line.replace(/^# ?/, '') : line))
  .join('\n');

/** Dot path of every key line, with the env var named in its comment. */
function keyLines(text: string): { path: string; env: string | undefined; leaf: boolean }[] {
  const out: { path: string; env: string | undefined; leaf: boolean }[] = [];
  const stack: { indent: number; key: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^( *)([A-Za-z_][\w-]*):(.*)$/.exec(line);
    if (!m) continue;
    const indent = m[1]?.length ?? 0;
    while (stack.length > 0 && (stack.at(-1)?.indent ?? 0) >= indent) stack.pop();
    stack.push({ indent, key: m[2] ?? '' });
    const rest = m[3] ?? '';
    const value = rest.split('#')[0]?.trim() ?? '';
    out.push({
      path: stack.map((s) => s.key).join('.'),
      env: /# env: ([A-Z0-9_]+)/.exec(rest)?.[1],
      leaf: value !== '',
    });
  }
  return out;
}

// The typed collectors of docs/PROTOCOL.md §6.2, as the example documents them.
const REGISTRY: CollectorInfo[] = [
  {
    name: 'pg_stat_statements',
    intervalSeconds: 5,
    optionsSchema: z.object({
      diff_limit: z.number().int().min(0).max(500).default(500),
      include_queries: z.boolean().default(true),
      max_query_text_length: z.number().int().min(0).max(8192).default(8192),
    }),
  },
  {
    name: 'pg_class',
    intervalSeconds: 60,
    optionsSchema: z.object({ backfill_batch_size: z.number().int().min(0).default(500) }),
  },
  {
    name: 'pg_stats',
    intervalSeconds: 60,
    optionsSchema: z.object({
      backfill_batch_size: z.number().int().min(0).default(200),
      include_table_data: z.boolean().default(false),
    }),
  },
  ...['pg_stat_user_tables', 'pg_stat_user_indexes'].map((name) => ({
    name,
    intervalSeconds: 60,
    optionsSchema: z.object({ category_limit: z.number().int().min(0).default(200) }),
  })),
  {
    name: 'pg_statio_user_indexes',
    intervalSeconds: 60,
    optionsSchema: z.object({ backfill_batch_size: z.number().int().min(0).default(2000) }),
  },
];

const dir = mkdtempSync(path.join(tmpdir(), 'dbtune-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dbtune.yaml', () => {
  const lines = keyLines(uncommented);
  const leaves = lines.filter((l) => l.leaf);

  it('is all comments as committed, so a checkout never configures an agent by accident', () => {
    expect(YAML.parse(example)).toBeNull();
  });

  it('lists exactly the schema keys', () => {
    const listed = leaves.map((l) => l.path).filter((p) => !p.startsWith('collectors.'));
    expect(listed.sort()).toEqual([...LEAVES.keys()].sort());
  });

  it('names the env var of every key', () => {
    for (const l of leaves)
      expect({ path: l.path, env: l.env }).toEqual({ path: l.path, env: envNameOf(l.path) });
  });

  it('is a valid configuration once uncommented', () => {
    const file = path.join(dir, 'dbtune.yaml');
    writeFileSync(file, uncommented);
    const r = loadConfig({ path: file, searchPaths: [], collectors: REGISTRY, env: {} });
    expect(r.warnings).toEqual([]);
    // Every main key is set by the file (collectors show only some fields of some collectors).
    const unset = Object.entries(r.sources).filter(
      ([p, s]) => s === 'default' && !p.startsWith('collectors.'),
    );
    expect(unset).toEqual([]);
    expect(r.sources['collectors.pg_statio_user_indexes.backfill_batch_size']).toBe('file');
  });
});

describe('dbtune.schema.json', () => {
  it('is up to date (regenerate with `npx tsx scripts/gen-schema.ts`)', () => {
    const committed: unknown = JSON.parse(readFileSync(path.join(root, 'dbtune.schema.json'), 'utf8'));
    expect(committed).toEqual(buildJsonSchema());
  });

  it('describes every key and gives it a default', () => {
    const schema = buildJsonSchema() as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
    };
    for (const p of LEAVES.keys()) {
      const [section, key] = p.split('.');
      const node = (key ? schema.properties[section ?? '']?.properties?.[key] : schema.properties[p]) as
        { description?: string; default?: unknown } | undefined;
      expect(node?.description, p).toBeTruthy();
      const legacy = p === 'postgresql.include_queries' || p === 'postgresql.maximum_query_text_length';
      if (!legacy) expect(node && 'default' in node, p).toBe(true);
    }
  });
});
