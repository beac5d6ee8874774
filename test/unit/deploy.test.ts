/**
 * The deployment files cannot be exercised here (no systemd, no Docker engine), so check that they
 * agree with the package: the entry point they run exists in `bin`, the flags they pass exist, and
 * each systemd variant allows the commands and writes its restart method needs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLocalRestart, type CommandResult } from '../../adapters/local/restart.js';

const root = new URL('../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };
const program = read('src/cli/program.ts') + read('adapters/index.ts');

describe('deploy files', () => {
  it('the container runs the package bin entry point', () => {
    const dockerfile = read('deploy/container/Dockerfile');
    expect(dockerfile).toContain(`/app/${pkg.bin['dbtune-agent']!}`);
    for (const dir of ['src', 'adapters', 'collectors', 'guardrails'])
      expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
  });

  it('the container starts node with the launcher settings of the bin (src/cli/main.ts line 1)', () => {
    const shebang = read('src/cli/main.ts').split('\n')[0]!;
    const launcher = /^#!\/usr\/bin\/env -S (.*)$/.exec(shebang);
    expect(launcher, shebang).not.toBeNull();
    const words = launcher![1]!.split(/\s+/);
    const envs = words.filter((w) => /^[A-Z_]+=/.test(w));
    const nodeFlags = words.filter((w) => w.startsWith('--'));
    expect(words.filter((w) => !envs.includes(w) && !nodeFlags.includes(w))).toEqual(['node']);
    expect(nodeFlags.length).toBeGreaterThan(0);
    const dockerfile = read('deploy/container/Dockerfile');
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
    expect(entry).not.toBeNull();
    const argv = JSON.parse(entry![1]!) as string[];
    expect(argv).toEqual(['node', ...nodeFlags, `/app/${pkg.bin['dbtune-agent']!}`]);
    const envLine = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)?.[1]?.split(/[\s\\]+/) ?? [];
    for (const e of envs) expect(envLine).toContain(e);
  });

  it('the systemd unit runs the bin with flags the CLI accepts, and does not restart on bad config', () => {
    const unit = read('deploy/systemd/dbtune-agent.service');
    const exec = /^ExecStart=.*dbtune-agent (.*)$/m.exec(unit);
    expect(exec).not.toBeNull();
    for (const flag of exec![1]!.split(/\s+/).filter((a) => a.startsWith('--'))) {
      expect(program, `flag ${flag}`).toContain(`'${flag}`);
    }
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(Object.keys(pkg.bin)).toContain('dbtune-agent');
  });
});

/** A unit file's [Service] assignments, in order (a drop-in's come after the unit's). */
function serviceAssignments(text: string): [string, string][] {
  const out: [string, string][] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else if (section === 'Service') {
      const eq = line.indexOf('=');
      out.push([line.slice(0, eq), line.slice(eq + 1)]);
    }
  }
  return out;
}

const LIST_SETTINGS = new Set(['ReadWritePaths', 'ReadOnlyPaths', 'InaccessiblePaths']);

/** systemd's merge: the last assignment wins; list settings accumulate and an empty value resets. */
function effective(...files: string[]): { get(k: string): string | undefined; list(k: string): string[] } {
  const scalars = new Map<string, string>();
  const lists = new Map<string, string[]>();
  for (const file of files)
    for (const [k, v] of serviceAssignments(read(file))) {
      if (!LIST_SETTINGS.has(k)) scalars.set(k, v);
      else lists.set(k, v === '' ? [] : [...(lists.get(k) ?? []), ...v.split(/\s+/)]);
    }
  return { get: (k) => scalars.get(k), list: (k) => lists.get(k) ?? [] };
}

const yes = (v: string | undefined) =>
  v !== undefined && ['yes', 'true', 'on', '1'].includes(v.toLowerCase());

/**
 * Settings after which systemd sets no_new_privs for a service with User= (systemd.exec(5),
 * NoNewPrivileges=), so that a setuid sudo cannot gain root.
 */
const IMPLY_NO_NEW_PRIVS = [
  'NoNewPrivileges',
  'DynamicUser',
  'LockPersonality',
  'MemoryDenyWriteExecute',
  'PrivateDevices',
  'ProtectClock',
  'ProtectHostname',
  'ProtectKernelLogs',
  'ProtectKernelModules',
  'ProtectKernelTunables',
  'RestrictRealtime',
  'RestrictSUIDSGID',
];
const IMPLY_IF_SET = [
  'RestrictAddressFamilies',
  'RestrictNamespaces',
  'SystemCallFilter',
  'SystemCallArchitectures',
  'SystemCallLog',
  'RestrictFileSystems',
];

function noNewPrivs(unit: ReturnType<typeof effective>): string[] {
  return [
    ...IMPLY_NO_NEW_PRIVS.filter((k) => yes(unit.get(k))),
    ...IMPLY_IF_SET.filter((k) => (unit.get(k) ?? '') !== ''),
  ];
}

/** The commands the agent runs to restart PostgreSQL by service name (systemctl fails first). */
async function serviceRestartCommands(service: string): Promise<string[][]> {
  const calls: string[][] = [];
  const restart = createLocalRestart({
    serviceName: service,
    run: (file, args): Promise<CommandResult> => {
      calls.push([file, ...args]);
      const ok = file === 'sudo';
      return Promise.resolve({ code: ok ? 0 : 1, signal: null, output: '', timedOut: false });
    },
  });
  await restart(new AbortController().signal);
  return calls;
}

/** Debian/Ubuntu and RHEL/Fedora default data directories (docs/OPERATIONS.md "systemd"). */
const DATA_DIRS = ['/var/lib/postgresql/17/main', '/var/lib/pgsql/17/data'];
const under = (dir: string, paths: string[]) =>
  paths.map((p) => p.replace(/^[-+]/, '')).some((p) => dir === p || dir.startsWith(`${p}/`));

describe('systemd unit variants', () => {
  const base = 'deploy/systemd/dbtune-agent.service';
  const sudoDropIn = 'deploy/systemd/restart-sudo.conf';
  const postgresDropIn = 'deploy/systemd/run-as-postgres.conf';

  it('the sysusers file creates the user and group the unit runs as', () => {
    const unit = effective(base);
    const users = read('deploy/systemd/dbtune-agent.sysusers')
      .split('\n')
      .filter((l) => /^u\s/.test(l))
      .map((l) => l.split(/\s+/)[1]);
    expect(users).toEqual([unit.get('User')]);
    // A `u` line also creates the group of the same name (sysusers.d(5)).
    expect(unit.get('Group')).toBe(unit.get('User'));
  });

  it('as shipped: the full sandbox, nothing writable', () => {
    const unit = effective(base);
    expect(noNewPrivs(unit)).toContain('NoNewPrivileges');
    expect(unit.get('ProtectSystem')).toBe('strict');
    expect(unit.list('ReadWritePaths')).toEqual([]);
  });

  it('restart-sudo.conf: sudo can gain root, and sudoers allows exactly the command the agent runs', async () => {
    const unit = effective(base, sudoDropIn);
    expect(noNewPrivs(unit)).toEqual([]);
    expect(unit.get('CapabilityBoundingSet') ?? '').toBe('');
    const calls = await serviceRestartCommands('postgresql');
    expect(calls[0]).toEqual(['systemctl', 'restart', 'postgresql']);
    const viaSudo = calls[1]!;
    expect(viaSudo.slice(0, 2)).toEqual(['sudo', '-n']);
    const rules = read('deploy/systemd/dbtune-agent.sudoers')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(rules).toHaveLength(1);
    const rule = /^(\S+)\s+ALL=\(root\)\s+NOPASSWD:\s+(.+)$/.exec(rules[0]!);
    expect(rule, rules[0]).not.toBeNull();
    expect(rule![1]).toBe(unit.get('User'));
    // sudo resolves `systemctl` through its secure_path to /usr/bin/systemctl.
    expect(rule![2]!.split(/\s*,\s*/)).toEqual([`/usr/bin/${viaSudo.slice(2).join(' ')}`]);
  });

  it('run-as-postgres.conf: the restart script and auto.conf rollback can write the data directory', () => {
    const unit = effective(base, postgresDropIn);
    expect(unit.get('User')).toBe('postgres');
    expect(unit.get('Group')).toBe('postgres');
    expect(unit.get('ProtectSystem')).toBe('strict');
    for (const dir of DATA_DIRS) expect(under(dir, unit.list('ReadWritePaths')), dir).toBe(true);
    // pg_ctl needs no setuid: this variant keeps no_new_privs.
    expect(noNewPrivs(unit)).toContain('NoNewPrivileges');
  });

  it('the unit documents both drop-ins and the sudoers file', () => {
    const unit = read(base);
    for (const f of [
      'restart-sudo.conf',
      'run-as-postgres.conf',
      'dbtune-agent.sudoers',
      'dbtune-agent.sysusers',
    ])
      expect(unit).toContain(f);
  });
});
