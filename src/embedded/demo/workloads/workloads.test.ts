import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/usage-error.js';
import { isObjective } from '../../tuner/index.js';
import { chooseDriver, DEFAULT_WORKLOAD, workloadIds, workloadSpec } from './index.js';
import { pgbenchScriptArgs, scriptPath, splitWeight } from './scripts.js';

/**
 * The subset of pgbench's script language the workloads use: `\set name expr`, `\sleep n unit`, and
 * SQL commands ended by `;` (comments `--`). Returns the variables each SQL command references that
 * neither a `\set` before it nor `defined` provides, and any line it cannot read.
 * https://www.postgresql.org/docs/current/pgbench.html#PGBENCH-METACOMMANDS
 */
function checkScript(text: string, defined: readonly string[]): { problems: string[]; commands: number } {
  const vars = new Set(defined);
  const problems: string[] = [];
  let sql = '';
  let commands = 0;
  const uses = (s: string) => [...s.matchAll(/(?<!:):([a-z_][a-z0-9_]*)/gi)].map((m) => m[1]!);
  for (const raw of text.split('\n')) {
    const line = raw.replace(/--.*$/, '').trim();
    if (!line) continue;
    if (line.startsWith('\\')) {
      if (sql.trim()) problems.push(`meta-command inside an unterminated SQL command: ${line}`);
      const set = /^\\set ([a-z_][a-z0-9_]*) (.+)$/i.exec(line);
      const sleep = /^\\sleep (\d+|:[a-z_][a-z0-9_]*) (us|ms|s)$/i.exec(line);
      if (set) {
        for (const v of uses(set[2]!))
          if (!vars.has(v)) problems.push(`\\set ${set[1]} uses undefined :${v}`);
        vars.add(set[1]!);
      } else if (sleep) {
        for (const v of uses(sleep[1]!)) if (!vars.has(v)) problems.push(`\\sleep uses undefined :${v}`);
      } else problems.push(`unknown meta-command: ${line}`);
      continue;
    }
    sql += `${line}\n`;
    if (line.endsWith(';')) {
      for (const v of uses(sql)) if (!vars.has(v)) problems.push(`SQL uses undefined :${v}`);
      commands++;
      sql = '';
    }
  }
  if (sql.trim()) problems.push(`unterminated SQL command: ${sql.trim()}`);
  return { problems, commands };
}

describe('workload registry', () => {
  it('has the mixed workload as the default, tpcb and read-mostly', () => {
    expect(DEFAULT_WORKLOAD).toBe('mixed');
    expect(workloadIds()).toEqual(['mixed', 'tpcb', 'read-mostly']);
    expect(workloadSpec('mixed').defaultObjective).toBe('latency');
    expect(workloadSpec('tpcb').defaultObjective).toBe('tps');
    expect(workloadSpec('read-mostly').defaultObjective).toBe('tps');
  });

  it('refuses an unknown id with a usage error naming the valid ones', () => {
    expect(() => workloadSpec('tpch')).toThrow(UsageError);
    expect(() => workloadSpec('tpch')).toThrow(
      '--workload must be one of mixed, tpcb, read-mostly, got "tpch"',
    );
  });

  it.each(workloadIds())('%s: a registered objective, scales, drivers and named classes', (id) => {
    const w = workloadSpec(id);
    expect(w.id).toBe(id);
    expect(isObjective(w.defaultObjective)).toBe(true);
    expect(w.scale.quick).toBeGreaterThanOrEqual(1);
    expect(w.scale.full).toBeGreaterThanOrEqual(w.scale.quick);
    expect(w.drivers.length).toBeGreaterThan(0);
    const classes = w.classes(w.scale.full, 8);
    expect(classes[0]!.clients).toBe(8);
    expect(new Set(classes.map((c) => c.name)).size).toBe(classes.length);
  });

  it.each(workloadIds())('%s: every script file exists and parses, with every variable defined', (id) => {
    const w = workloadSpec(id);
    const files = w
      .classes(w.scale.full, 8)
      .flatMap((c) => c.scripts.filter((s) => !s.includes('(built in)')));
    for (const s of files) {
      const { file, weight } = splitWeight(s);
      expect(Number.isInteger(weight) && weight > 0, s).toBe(true);
      const p = scriptPath(file);
      expect(existsSync(p), p).toBe(true);
      // pgbench defines :scale and :client_id itself; the class's -D variables come from the plan.
      const { problems, commands } = checkScript(readFileSync(p, 'utf8'), ['scale', 'client_id', 'think_ms']);
      expect(problems, file).toEqual([]);
      expect(commands, file).toBeGreaterThan(0);
    }
  });

  it('mixed: transactions at a fixed rate, dashboards with think time, each class its own pgbench arguments', () => {
    const [oltp, reporting] = workloadSpec('mixed').classes(10, 8);
    expect(oltp).toMatchObject({ name: 'transactions', clients: 8 });
    expect(oltp!.rate).toBeGreaterThan(0);
    expect(reporting).toMatchObject({ name: 'reporting', rate: null });
    expect(reporting!.think_ms).toBeGreaterThan(0);
    const args = pgbenchScriptArgs(oltp!, 10);
    expect(args.slice(0, 4)).toEqual(['-D', 'scale=10', '-R', String(oltp!.rate)]);
    expect(args.filter((a) => a === '-f')).toHaveLength(2);
    expect(args.at(-1)).toMatch(/\/workloads\/mixed\/account-statement\.sql@3$/);
    const r = pgbenchScriptArgs(reporting!, 10);
    expect(r).toContain(`think_ms=${reporting!.think_ms}`);
    expect(r).not.toContain('-R');
  });

  it('checkScript catches what pgbench would refuse', () => {
    expect(checkScript('SELECT :aid;\n', ['scale']).problems).toEqual(['SQL uses undefined :aid']);
    expect(checkScript('\\set aid random(1, 10 * :scale)\nSELECT :aid::int;\n', ['scale']).problems).toEqual(
      [],
    );
    expect(checkScript('SELECT 1\n', []).problems).toEqual(['unterminated SQL command: SELECT 1']);
    expect(checkScript('\\shell ls\n', []).problems).toEqual(['unknown meta-command: \\shell ls']);
  });
});

describe('chooseDriver', () => {
  const found = () => '/usr/bin/pgbench';
  const missing = () => null;

  it('auto prefers pgbench and falls back to the built-in driver where the workload has one', () => {
    expect(chooseDriver(workloadSpec('tpcb'), 'auto', found)).toEqual({
      kind: 'pgbench',
      pgbench: '/usr/bin/pgbench',
    });
    expect(chooseDriver(workloadSpec('tpcb'), 'auto', missing)).toEqual({ kind: 'builtin', pgbench: null });
    expect(chooseDriver(workloadSpec('tpcb'), 'builtin', found)).toEqual({ kind: 'builtin', pgbench: null });
    expect(chooseDriver(workloadSpec('mixed'), 'auto', found)).toEqual({
      kind: 'pgbench',
      pgbench: '/usr/bin/pgbench',
    });
  });

  it('without pgbench the mixed workload fails naming the package and the workload that runs without it', () => {
    expect(() => chooseDriver(workloadSpec('mixed'), 'auto', missing)).toThrow(
      /mixed workload needs pgbench on PATH \(Debian\/Ubuntu: apt-get install postgresql-client\); --workload tpcb runs without it/,
    );
    expect(() => chooseDriver(workloadSpec('tpcb'), 'pgbench', missing)).toThrow(
      /tpcb workload needs pgbench/,
    );
  });

  it('refuses a driver the workload cannot run on (usage error)', () => {
    expect(() => chooseDriver(workloadSpec('mixed'), 'builtin', found)).toThrow(UsageError);
  });
});
