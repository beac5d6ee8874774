/**
 * External tools the benchmarks need. A missing Debian package is installed when running as root
 * (apt-get, non-interactive); otherwise the error names the exact command to run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const EXPORTER_BIN = '/usr/bin/prometheus-postgres-exporter';
export const PGBENCH_BIN = '/usr/bin/pgbench';

interface Tool {
  bin: string;
  pkg: string;
  /** A check beyond "the file exists" (the pgbench wrapper needs a versioned binary behind it). */
  works?: () => boolean;
}

const TOOLS: Record<'exporter' | 'pgbench', Tool> = {
  exporter: { bin: EXPORTER_BIN, pkg: 'prometheus-postgres-exporter' },
  pgbench: {
    bin: PGBENCH_BIN,
    pkg: 'postgresql-15',
    works: () => spawnSync(PGBENCH_BIN, ['--version'], { stdio: 'ignore' }).status === 0,
  },
};

function present(t: Tool): boolean {
  return existsSync(t.bin) && (t.works?.() ?? true);
}

function aptInstall(pkg: string): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', env })
      .status === 0;
  if (install()) return true;
  // A fresh container has no package lists yet.
  spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  return install();
}

/** Make sure a tool is there; install it as root, else throw with the command to run. */
export function requireTool(name: keyof typeof TOOLS): string {
  const t = TOOLS[name];
  if (present(t)) return t.bin;
  const cmd = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${t.pkg}`;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && hasApt()) {
    console.error(`bench: ${t.bin} missing, installing ${t.pkg}`);
    if (aptInstall(t.pkg) && present(t)) return t.bin;
  }
  throw new Error(`bench: ${t.bin} is missing; install it with:\n  ${root ? '' : 'sudo '}${cmd}`);
}

function hasApt(): boolean {
  try {
    execFileSync('apt-get', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
