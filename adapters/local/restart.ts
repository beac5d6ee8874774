/**
 * Restarting a PostgreSQL on this host (docs/PROTOCOL.md §4.3): a restart script, or systemd.
 *
 * - `restartScriptPath`: executed directly (no shell, no arguments); exit 0 = success; its output is
 *   logged on failure; killed (SIGTERM, then SIGKILL) when it outlasts `timeoutMs` or the signal.
 *   Only the script's own process is signalled, never its process group: a server the script has
 *   just started must not be killed with it.
 * - `serviceName`: `systemctl restart <name>`, then `sudo -n systemctl restart <name>` on failure
 *   (`-n`: never wait for a password prompt).
 * Both satisfy the RestartFn contract: they start a stopped server too.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { RestartFn } from './alter-system-types.js';

export interface CommandResult {
  code: number | null;
  signal: string | null;
  output: string;
  timedOut: boolean;
}

export type CommandRunner = (
  file: string,
  args: readonly string[],
  signal: AbortSignal,
) => Promise<CommandResult>;

export interface LocalRestartOptions {
  restartScriptPath?: string;
  serviceName?: string;
  /** Upper bound for one restart command (default 300 000 ms). */
  timeoutMs?: number;
  log?: Logger;
  /** Command runner (tests). */
  run?: CommandRunner;
}

const OUTPUT_CAP = 64 * 1024;
const KILL_GRACE_MS = 5_000;
const SERVICE_NAME = /^[A-Za-z0-9_.@:\\-]+$/;

/** Run a file without a shell; resolves with its exit status, never rejects (spawn errors included). */
export const runCommand: CommandRunner = (file, args, signal) =>
  new Promise((resolve) => {
    const child = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    let output = '';
    let timedOut = false;
    const collect = (d: Buffer) => {
      if (output.length < OUTPUT_CAP) output += d.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timedOut = true;
      child.kill('SIGTERM');
      grace = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(grace);
      resolve({ code: null, signal: null, output: `cannot run ${file}: ${err.message}`, timedOut: false });
    });
    // 'exit', not 'close': a daemon started by the script may inherit and hold the pipes open.
    child.on('exit', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(grace);
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ code, signal: sig, output: output.slice(0, OUTPUT_CAP).trim(), timedOut });
      }, 50);
    });
  });

const SCRIPT_KEY = 'postgresql.restart_script_path';
const SCRIPT_ENV = '(env: DBT_POSTGRESQL_RESTART_SCRIPT_PATH)';
const scriptProblem = (abs: string, what: string) =>
  new ConfigError([`${SCRIPT_KEY}: restart script ${abs} ${what} ${SCRIPT_ENV}`]);

function checkScript(p: string): string {
  const abs = path.resolve(p);
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw scriptProblem(abs, 'does not exist');
  }
  if (st.isDirectory()) throw scriptProblem(abs, 'is a directory');
  if (!st.isFile()) throw scriptProblem(abs, 'is not a regular file');
  try {
    accessSync(abs, constants.X_OK);
  } catch {
    throw scriptProblem(abs, 'is not executable');
  }
  // Anyone who can edit the script would run code as the agent.
  if (st.mode & 0o002) throw scriptProblem(abs, 'is world-writable');
  return abs;
}

function describe(r: CommandResult): string {
  if (r.timedOut) return 'timed out and was killed';
  if (r.code !== null) return `exit code ${r.code}`;
  return r.signal ? `killed by ${r.signal}` : 'could not be run';
}

/** Build the local restart function; validates the configuration now (ConfigError when unusable). */
export function createLocalRestart(opts: LocalRestartOptions): RestartFn {
  const run = opts.run ?? runCommand;
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const bounded = (signal: AbortSignal) => AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  if (opts.restartScriptPath) {
    const script = checkScript(opts.restartScriptPath);
    return async (signal) => {
      const r = await run(script, [], bounded(signal));
      if (r.code === 0 && !r.timedOut) return;
      opts.log?.error({ script, output: r.output, code: r.code }, 'restart script failed');
      const tail = r.output ? `: ${r.output.slice(-500)}` : '';
      throw new Error(`apply: restart: restart script ${script} failed (${describe(r)})${tail}`);
    };
  }
  const service = opts.serviceName?.trim();
  if (service) {
    if (!SERVICE_NAME.test(service) || service.startsWith('-')) {
      throw new ConfigError([
        `postgresql.service_name: invalid service name ${JSON.stringify(service)} (env: DBT_POSTGRESQL_SERVICE_NAME)`,
      ]);
    }
    return async (signal) => {
      const first = await run('systemctl', ['restart', service], bounded(signal));
      if (first.code === 0 && !first.timedOut) return;
      opts.log?.warn(
        { service, output: first.output, code: first.code },
        'systemctl restart failed; retrying with sudo',
      );
      const second = await run('sudo', ['-n', 'systemctl', 'restart', service], bounded(signal));
      if (second.code === 0 && !second.timedOut) return;
      opts.log?.error({ service, output: second.output, code: second.code }, 'sudo systemctl restart failed');
      throw new Error(
        `apply: restart: failed to restart PostgreSQL service ${service} with sudo (${describe(second)})`,
      );
    };
  }
  throw new ConfigError(['apply: restart: neither a service name nor a restart script is configured']);
}
