/**
 * The package as a user installs it: `npm pack`, then an install into an empty folder with the
 * production-install flags of the container image's runtime stage (deploy/container/Dockerfile:
 * no devDependencies, no install scripts), then the installed bin. Nothing from the checkout's
 * node_modules is reachable from the install folder.
 *
 * Time: about 20 s with a warm npm cache (the npm ci before the tests fills it), about 45 s cold.
 * `--prefer-offline` takes packages from the cache and asks the registry only for what is missing.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The flags of the runtime stage's `npm ci` (everything after `npm ci` up to `&&`). */
function runtimeInstallFlags(dockerfile: string): string[] {
  const stages = dockerfile.split(/^FROM /m);
  const runtime = stages[stages.length - 1]!;
  const run = /^RUN npm ci ([^&\n]*)/m.exec(runtime);
  if (!run) throw new Error('Dockerfile: the runtime stage has no `RUN npm ci …`');
  return run[1]!.trim().split(/\s+/);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'dbtune-pkg-'));
const app = path.join(work, 'app');
const bin = path.join(app, 'node_modules', '.bin', 'dbtune-agent');
let tarball = '';
let installFlags: string[] = [];

function run(file: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }) {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: opts.timeout ?? 30_000, ...opts });
  return { code: r.status, out: r.stdout, err: r.stderr, error: r.error };
}

/** The installed bin, through its own `#!/usr/bin/env -S … node` line, with a clean environment. */
function agent(args: string[], env: Record<string, string> = {}) {
  return run(bin, args, {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', HOME: work, ...env },
  });
}

beforeAll(() => {
  installFlags = runtimeInstallFlags(readFileSync(path.join(root, 'deploy/container/Dockerfile'), 'utf8'));
  // dist/ is built by `npm run test:integration`; --ignore-scripts keeps pack from building again.
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: root,
    env: process.env,
  });
  expect(packed.code, packed.err).toBe(0);
  tarball = path.join(work, (JSON.parse(packed.out) as { filename: string }[])[0]!.filename);
  // An empty project folder; its own .npmrc only turns off what a test does not need.
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'install-test', private: true }));
  writeFileSync(path.join(app, '.npmrc'), 'fund=false\naudit=false\nupdate-notifier=false\n');
  const installed = run(
    'npm',
    ['install', ...installFlags, '--prefer-offline', '--no-package-lock', tarball],
    {
      cwd: app,
      env: process.env,
      timeout: 150_000,
    },
  );
  expect(installed.code, `${installed.err}\n${String(installed.error ?? '')}`).toBe(0);
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package, installed without devDependencies or install scripts', () => {
  it('installs with the Dockerfile runtime flags: no devDependencies, no build scripts', () => {
    expect(installFlags).toEqual(expect.arrayContaining(['--omit=dev', '--ignore-scripts']));
    const files = run('tar', ['tzf', tarball], { cwd: work }).out.split('\n');
    expect(files).toContain(`package/${pkg.bin['dbtune-agent']!}`);
    expect(files).toContain('package/dbtune.yaml');
    expect(files).toContain('package/LICENSE');
    expect(files.filter((f) => /\.test\.js$|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    const modules = readdirSync(path.join(app, 'node_modules'));
    for (const dev of Object.keys(pkg.devDependencies).filter((d) => !d.startsWith('@types/')))
      expect(modules, `devDependency ${dev} installed`).not.toContain(dev);
    for (const dep of Object.keys(pkg.dependencies))
      expect(existsSync(path.join(app, 'node_modules', dep, 'package.json')), dep).toBe(true);
  });

  it('--version and --help', () => {
    const v = agent(['--version']);
    expect(v.code, v.err).toBe(0);
    expect(v.out.trim()).toMatch(new RegExp(`^dbtune-agent ${pkg.version.replace(/\./g, '\\.')} \\(node v`));
    const h = agent(['--help']);
    expect(h.code, h.err).toBe(0);
    expect(h.out).toContain('--local');
    expect(h.out).toMatch(/^\s+demo\b/m);
  });

  it('config prints the effective configuration with secrets redacted', () => {
    const apiKey = '0b9e4f5c-8d7a-4c1b-9e2f-3a4b5c6d7e8f';
    const r = agent(['config', '--local'], {
      DBT_POSTGRESQL_CONNECTION_URL: 'postgres://agent:pkg-pw-Zq81@127.0.0.1:5432/app',
      DBT_DBTUNE_API_KEY: apiKey,
      DBT_DBTUNE_DATABASE_ID: '7c6b5a49-3827-4165-9544-332211009988',
    });
    expect(r.code, r.err).toBe(0);
    expect(() => JSON.parse(r.out) as unknown).not.toThrow();
    expect(r.out + r.err).not.toContain('pkg-pw-Zq81');
    expect(r.out + r.err).not.toContain(apiKey);
  });

  it('demo --help works, and the demo names the package it needs instead of crashing', () => {
    const h = agent(['demo', '--help']);
    expect(h.code, h.err).toBe(0);
    expect(h.out).toContain('--quick');
    const out = path.join(work, 'demo-out');
    const d = agent(['demo', '--quick', '--out', out]);
    expect(d.code).toBe(1);
    expect(d.err).toContain(`npm install pg17@${pkg.devDependencies.pg17!}`);
    expect(d.err).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(existsSync(out)).toBe(false); // refused before anything started
  });
});
