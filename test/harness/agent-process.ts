/**
 * The built CLI (`dist/src/cli/main.js`) as a child process, for end-to-end and fault tests.
 * Collects stdout/stderr, parses JSON log lines, and stops with SIGTERM (SIGKILL as a backstop).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface AgentProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Parsed JSON log lines seen so far (non-JSON lines skipped). */
  logs(): Record<string, unknown>[];
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM; resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
  exited(): Promise<number | null>;
}

const live = new Set<ChildProcess>();
let exitHook = false;
/** Backstop: if the test runner itself dies, no agent child outlives it. */
function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

export interface StartOptions {
  /**
   * Run the CLI file itself, so its first line (`#!/usr/bin/env -S … node <V8 flags>`) starts it as
   * an installed agent starts; the default runs `node <CLI>` with this process's Node. Benchmarks
   * of the agent's own memory use the launcher; tests do not need it.
   */
  launcher?: boolean;
  /**
   * A command the agent runs under, e.g. `['unshare', '--mount', '--', 'sh', '-c', script, …]`; it
   * receives the node command line as its trailing arguments and must `exec` it.
   */
  prefix?: readonly string[];
}

export function startAgent(
  args: string[],
  env: Record<string, string>,
  opts: StartOptions = {},
): AgentProcess {
  if (!existsSync(CLI)) throw new Error(`agent-process: ${CLI} missing; run npm run build`);
  const argv = ['--log-format', 'json', ...args];
  const command = opts.launcher ? [CLI, ...argv] : [process.execPath, CLI, ...argv];
  const [file = '', ...rest] = opts.prefix ? [...opts.prefix, ...command] : command;
  const child = spawn(file, rest, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  live.add(child);
  installExitHook();
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    logs,
    async waitForLog(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const hit = logs().find(predicate);
        if (hit) return hit;
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `agent-process: log line not seen in ${timeoutMs} ms; stderr: ${err.slice(-2000)}\nstdout tail: ${out.slice(-3000)}`,
      );
    },
    async stop(signal = 'SIGTERM') {
      const t0 = Date.now();
      if (child.exitCode !== null) return { code: child.exitCode, ms: 0 };
      child.kill(signal);
      const backstop = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exit;
      clearTimeout(backstop);
      return { code, ms: Date.now() - t0 };
    },
    exited: () => exit,
  };
}
