/**
 * End-to-end: the built CLI's `demo --quick` (the default mixed workload, tuned for average query
 * runtime) finishes inside 3 minutes with both reports and nothing left running; SIGINT mid-session
 * (on `--workload tpcb`) exits 130 within 15 s, leaving no postgres, no pgbench and no temporary
 * directory; an unknown workload exits 2 naming the valid ones.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../harness/agent-process.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
let child: ChildProcess | undefined;

interface Demo {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startDemo(args: string[]): Demo {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing; run npm run build`);
  const c = spawn(process.execPath, [CLI, 'demo', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = c;
  let out = '';
  let err = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  c.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    c.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child: c, stdout: () => out, stderr: () => err, exit };
}

function outDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'demo-e2e-'));
  dirs.push(d);
  return d;
}

async function waitForOutput(d: Demo, pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = pattern.exec(d.stdout());
    if (m) return m;
    if (Date.now() > end || d.child.exitCode !== null) {
      throw new Error(`not seen: ${pattern}\nstdout: ${d.stdout()}\nstderr: ${d.stderr().slice(-2000)}`);
    }
    await sleep(200);
  }
}

/** Processes whose command line mentions the path (the postmaster runs with -D <dataDir>). */
async function processesMentioning(p: string): Promise<string[]> {
  const { stdout } = await run('pgrep', ['-af', p]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean);
}

/** pgbench processes pointed at this port (the demo passes it as PGPORT). */
async function pgbenchOn(port: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-x', 'pgbench']).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`PGPORT=${port}`);
      } catch {
        return false;
      }
    });
}

/** Where the demo's PostgreSQL and temporary directory were (stdout and the demo log). */
function demoPaths(d: Demo, out: string): { dataDir: string; port: number; tempDir: string } {
  const m = /at postgres:\/\/postgres@127\.0\.0\.1:(\d+)\/postgres \(data dir ([^)]+)\)/.exec(d.stdout());
  expect(m, `data dir line in stdout:\n${d.stdout()}`).not.toBeNull();
  const started = readFileSync(path.join(out, 'dbtune-demo.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('demo: PostgreSQL started'))
    .map((l) => JSON.parse(l) as { tempDir: string })[0];
  expect(started).toBeDefined();
  return { port: Number(m![1]), dataDir: m![2]!, tempDir: started!.tempDir };
}

async function expectNothingLeft(p: { dataDir: string; port: number; tempDir: string }): Promise<void> {
  // The backends exit right after the postmaster; give them a moment.
  for (let i = 0; i < 20 && (await processesMentioning(p.dataDir)).length > 0; i++) await sleep(250);
  expect(await processesMentioning(p.dataDir)).toEqual([]);
  expect(await pgbenchOn(p.port)).toEqual([]);
  expect(existsSync(path.dirname(p.dataDir)), 'cluster directory removed').toBe(false);
  expect(existsSync(p.tempDir), 'demo temp directory removed').toBe(false);
}

afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await sleep(500);
  }
  child = undefined;
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('dbtune-agent demo --quick (built CLI)', () => {
  it('tunes, prints baseline and best, writes report.json and report.html, and leaves nothing running', async () => {
    const out = outDir();
    const t0 = Date.now();
    const demo = startDemo(['--quick', '--out', out]);
    const timeout = setTimeout(() => demo.child.kill('SIGKILL'), 180_000);
    const { code } = await demo.exit;
    clearTimeout(timeout);
    const seconds = (Date.now() - t0) / 1000;
    expect(code, `stderr: ${demo.stderr().slice(-3000)}\nstdout: ${demo.stdout().slice(-3000)}`).toBe(0);
    expect(seconds).toBeLessThan(180);

    const stdout = demo.stdout();
    expect(stdout).toMatch(/\[6\/6\] iteration 5 /);
    expect(stdout).toMatch(/^\s+TPS\s+\d+\.\d\s+(\d+\.\d|–)\s+/m);
    expect(stdout).toMatch(/baseline\s+best\s+change/);
    expect(stdout).toMatch(/runtime \(ms\) per iteration/);
    expect(stdout).toMatch(
      /^Tuning for average query runtime .*workload mixed: .*transactions 8 clients, reporting 2 clients/m,
    );
    const json = path.join(out, 'report.json');
    const html = path.join(out, 'report.html');
    expect(stdout).toContain(json);
    expect(stdout).toContain(html);

    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).not.toMatch(/https?:\/\//);

    const r = JSON.parse(readFileSync(json, 'utf8'));
    expect(r.objective).toBe('latency');
    expect(r.pg_version).toMatch(/^17\./);
    expect(r.machine.cpus).toBeGreaterThan(0);
    expect(r.machine.memory_bytes).toBeGreaterThan(0);
    expect(r.baseline.tps).toBeGreaterThan(0);
    expect(r.baseline.latency_ms).toBeGreaterThan(0);
    expect(Object.keys(r.baseline.config).length).toBeGreaterThan(5);
    expect(typeof r.baseline.latency_ms).toBe('number');
    expect(r.iterations).toHaveLength(6);
    expect(page.match(/<circle class="pt/g)).toHaveLength(6);
    for (const it of r.iterations) {
      expect(['ok', 'reverted', 'infeasible']).toContain(it.outcome);
      expect(Object.keys(it.config).length).toBeGreaterThan(0);
      if (it.measurement) expect(it.measurement.tps).toBeGreaterThanOrEqual(0);
    }
    if (r.best !== null) {
      expect(r.best.latency_ms).toBeGreaterThan(0);
      expect(Object.keys(r.best.config).length).toBeGreaterThan(5);
      expect(typeof r.improvement_pct).toBe('number');
      // Lower runtime is better: the gain is the runtime saved, in percent of the baseline's.
      expect(r.improvement_pct).toBeCloseTo((1 - r.best.latency_ms / r.baseline.latency_ms) * 100, 6);
    }
    expect(r.workload).toMatchObject({
      id: 'mixed',
      scale: 2,
      clients: 8,
      iterations: 6,
      iteration_seconds: 8,
    });
    // Both classes ran for the whole session: transfers and statements, and dashboard refreshes.
    const [oltp, reporting] = r.workload.classes;
    expect(oltp).toMatchObject({ name: 'transactions', clients: 8 });
    expect(oltp.transactions).toBeGreaterThan(1_000);
    expect(reporting).toMatchObject({ name: 'reporting', scripts: ['mixed/dashboard.sql'] });
    expect(reporting.transactions).toBeGreaterThan(0);
    expect(reporting.latency_ms).toBeGreaterThan(0);

    await expectNothingLeft(demoPaths(demo, out));
  }, 200_000);

  it('SIGINT during the session exits 130 within 15 s and leaves no postgres, pgbench or temp dir', async () => {
    const out = outDir();
    const demo = startDemo(['--quick', '--workload', 'tpcb', '--out', out]);
    // The cluster is up, loaded, and the agent and workload are running.
    await waitForOutput(demo, /^Tuning for throughput: .*workload TPC-B/m, 90_000);
    const paths = demoPaths(demo, out);
    await sleep(3_000);
    expect((await processesMentioning(paths.dataDir)).length).toBeGreaterThan(0);
    expect((await pgbenchOn(paths.port)).length).toBeGreaterThan(0);
    const t0 = Date.now();
    demo.child.kill('SIGINT');
    const { code } = await demo.exit;
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(code, demo.stderr()).toBe(130);
    expect(demo.stdout()).toContain('Interrupted');
    expect(existsSync(path.join(out, 'report.json'))).toBe(false);
    await expectNothingLeft(paths);
  }, 120_000);

  it('an unknown --workload exits 2 naming the valid ones, before starting anything', async () => {
    const demo = startDemo(['--workload', 'tpch', '--out', outDir()]);
    const { code } = await demo.exit;
    expect(code).toBe(2);
    expect(demo.stderr()).toContain('--workload must be one of mixed, tpcb, read-mostly, got "tpch"');
    expect(demo.stdout()).not.toContain('Starting PostgreSQL');
  }, 30_000);
});
