/**
 * The restart script the in-process agent runs when a proposal needs a restart
 * (`postgresql.restart_script_path`, see src/apply/restart-local.ts).
 *
 * It restarts with exactly the options the cluster was started with, read back from
 * `postmaster.opts` (PostgreSQL writes the postmaster's command line there at every start), so the
 * port, socket directory and `-c` settings survive without this file knowing how cluster.ts starts
 * servers. They are passed with `-o` rather than left to pg_ctl's own reuse of postmaster.opts, so
 * the script still says what it will do after someone edits that file.
 * https://www.postgresql.org/docs/current/app-pg-ctl.html
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RestartScriptInput {
  /** pg_ctl of the cluster's major. */
  pgCtl: string;
  dataDir: string;
  logFile: string;
  /** Server options without `-D` (e.g. `['-p', '5433', '-k', '/tmp/x', '-c', 'fsync=on']`). */
  serverOptions: readonly string[];
  /** OS user to run pg_ctl as (PostgreSQL refuses root); undefined = the agent's own user. */
  runAsUser?: string;
  /** pg_ctl -t: seconds to wait for the server to accept connections again. */
  timeoutSeconds?: number;
}

/** POSIX single-quoting: safe for any byte string. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Parse postmaster.opts: the binary path then every argument in double quotes, e.g.
 * `/bin/postgres "-D" "/d" "-p" "5433"`. PostgreSQL writes the quotes without escaping, so a
 * value containing `"` cannot be represented; the demo never passes one.
 */
export function parsePostmasterOpts(text: string): string[] {
  const args = [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-D') {
      i++; // pg_ctl passes -D itself
      continue;
    }
    out.push(args[i] ?? '');
  }
  return out;
}

export function restartScriptContent(input: RestartScriptInput): string {
  const pgCtl = [
    shellQuote(input.pgCtl),
    '-D',
    shellQuote(input.dataDir),
    '-l',
    shellQuote(input.logFile),
    '-m',
    'fast',
    '-w',
    '-t',
    String(input.timeoutSeconds ?? 120),
    // pg_ctl hands -o to /bin/sh, so each option is quoted inside the quoted string.
    '-o',
    shellQuote(input.serverOptions.map(shellQuote).join(' ')),
    'restart',
  ].join(' ');
  const prefix = input.runAsUser ? `runuser -u ${shellQuote(input.runAsUser)} -- ` : '';
  return [
    '#!/bin/sh',
    '# Written by `dbtune-agent demo`: restart the demo PostgreSQL on the same port and socket.',
    'set -e',
    // The postgres user may not be allowed into the caller's working directory.
    'cd /',
    'export LC_ALL=C.UTF-8',
    `exec ${prefix}${pgCtl}`,
    '',
  ].join('\n');
}

export interface ClusterLike {
  readonly binDir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly port: number;
  readonly runAs: { uid?: number };
}

/** Name of the OS user with this uid (`id -nu`), for runuser. */
function userName(uid: number): string {
  return execFileSync('id', ['-nu', String(uid)])
    .toString()
    .trim();
}

/** Write `<dir>/restart-postgres.sh` (mode 0750: the agent refuses world-writable scripts). */
export function writeRestartScript(dir: string, cluster: ClusterLike): string {
  const serverOptions = parsePostmasterOpts(
    readFileSync(path.join(cluster.dataDir, 'postmaster.opts'), 'utf8'),
  );
  const p = serverOptions.indexOf('-p');
  if (p < 0 || serverOptions[p + 1] !== String(cluster.port)) {
    throw new Error(`demo: restart script: postmaster.opts does not carry port ${cluster.port}`);
  }
  const file = path.join(dir, 'restart-postgres.sh');
  const content = restartScriptContent({
    pgCtl: path.join(cluster.binDir, 'pg_ctl'),
    dataDir: cluster.dataDir,
    logFile: cluster.logFile,
    serverOptions,
    runAsUser: cluster.runAs.uid === undefined ? undefined : userName(cluster.runAs.uid),
  });
  writeFileSync(file, content, { mode: 0o750 });
  chmodSync(file, 0o750); // the umask may have removed bits from the mode above
  return file;
}
