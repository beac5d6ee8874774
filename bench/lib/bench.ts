/** The benchmark contract, the JSON result envelope, and the command line shared by every bench. */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeFacts, machineFacts, type CodeFacts, type MachineFacts } from './machine.js';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(BENCH_DIR, '..');
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');

export interface RunOptions {
  quick: boolean;
  log: (msg: string) => void;
}

export interface Benchmark<D = unknown> {
  name: string;
  title: string;
  run(opts: RunOptions): Promise<D>;
  /** Markdown body of this benchmark's section in docs/PERFORMANCE.md. */
  render(result: BenchResult<D>): string;
}

export interface BenchResult<D = unknown> {
  name: string;
  /** The command that reproduces this result. */
  command: string;
  /** The command line this result actually came from. */
  invocation: string;
  quick: boolean;
  startedAt: string;
  durationSeconds: number;
  machine: MachineFacts;
  /** Load averages when the benchmark ended (with `machine.loadAvg`: how busy the shared box was). */
  loadAvgEnd: number[];
  code: CodeFacts;
  data: D;
}

export function parseArgs(argv: readonly string[]): { quick: boolean; only: string[] } {
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') only.push(...(argv[++i] ?? '').split(',').filter(Boolean));
  }
  return { quick: argv.includes('--quick'), only };
}

/**
 * Full runs write `<name>.json`, smoke runs `<name>.quick.json`: a `--quick` run must never replace
 * the full-run figures that docs/PERFORMANCE.md publishes.
 */
export function resultPath(name: string, quick = false): string {
  return path.join(RESULTS_DIR, `${name}${quick ? '.quick' : ''}.json`);
}

function readFile<D>(file: string): BenchResult<D> | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as BenchResult<D>;
}

/** The full-run result, or the smoke-run result when no full run exists yet. */
export function readResult<D>(name: string): BenchResult<D> | null {
  return readFile<D>(resultPath(name)) ?? readFile<D>(resultPath(name, true));
}

/** The latest smoke-run result, if any. */
export function readQuickResult<D>(name: string): BenchResult<D> | null {
  return readFile<D>(resultPath(name, true));
}

/** Run one benchmark and write bench/results/<name>.json (or <name>.quick.json). */
export async function runBenchmark<D>(
  b: Benchmark<D>,
  quick: boolean,
  command: string,
): Promise<BenchResult<D>> {
  const started = new Date();
  const machine = machineFacts();
  const log = (msg: string) => console.error(`[${b.name} ${new Date().toISOString().slice(11, 19)}] ${msg}`);
  const data = await b.run({ quick, log });
  const result: BenchResult<D> = {
    name: b.name,
    command,
    invocation: ['npx tsx', path.relative(ROOT, process.argv[1] ?? ''), ...process.argv.slice(2)].join(' '),
    quick,
    startedAt: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    machine,
    loadAvgEnd: machineFacts().loadAvg,
    code: codeFacts(),
    data,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(resultPath(b.name, quick), JSON.stringify(result, null, 2) + '\n');
  return result;
}

/** True when `moduleUrl` is the script node was started with (a bench run on its own). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return !!entry && path.resolve(entry) === fileURLToPath(moduleUrl);
}
