/**
 * Each cloud SDK is loaded only when its adapter is selected (adapters/index.ts imports adapter
 * modules lazily): a `--local` agent — the CLI, the run command, the local adapter — resolves no
 * cloud SDK or container/Kubernetes client module, nor the embedded platform (src/cli/platform.ts
 * imports it only when server_url is embedded). Recorded with a module resolve hook in a child
 * process (sources through tsx, so no build is needed).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = path.join(root, 'test/unit/fixtures/module-graph');
const work = mkdtempSync(path.join(os.tmpdir(), 'dbtune-graph-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Packages only a managed-platform adapter may load. */
const PLATFORM_PACKAGES = [
  '@aws-sdk/',
  '@smithy/',
  '@azure/',
  '@google-cloud/',
  'google-auth-library',
  'google-gax',
  '@kubernetes/client-node',
  'dockerode',
  'docker-modem',
];

function moduleGraph(extra: string[] = []): string[] {
  const out = path.join(work, `graph-${extra.join('')}.txt`);
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      path.join(fixtures, 'register.js'),
      path.join(fixtures, 'local-path.ts'),
      ...extra,
    ],
    {
      cwd: root, // where `--import tsx` resolves
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: work,
        MODULE_GRAPH_OUT: out,
        DBT_POSTGRESQL_CONNECTION_URL: 'postgres://agent:pw@127.0.0.1:5432/app',
        DBT_DBTUNE_API_KEY: '0b9e4f5c-8d7a-4c1b-9e2f-3a4b5c6d7e8f',
        DBT_DBTUNE_DATABASE_ID: '7c6b5a49-3827-4165-9544-332211009988',
      },
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(out, 'utf8').split('\n').filter(Boolean);
}

const platformModules = (graph: string[]) =>
  graph.filter((url) => PLATFORM_PACKAGES.some((p) => url.includes(`/node_modules/${p}`)));

describe('lazy adapter loading', () => {
  it(
    'a --local agent resolves no cloud SDK, Kubernetes or Docker client module, nor the embedded platform',
    { timeout: 60_000 },
    () => {
      const graph = moduleGraph();
      // The graph really is the local path: the CLI, the run command and the local adapter.
      for (const file of [
        'src/cli/program.ts',
        'src/cli/commands/config.ts',
        'src/cli/commands/run.ts',
        'adapters/local/index.ts',
      ])
        expect(
          graph.some((u) => u.endsWith(file)),
          file,
        ).toBe(true);
      expect(platformModules(graph)).toEqual([]);
      // Nor the embedded platform.
      expect(graph.filter((u) => /\/src\/embedded\/(attach\.ts|platform\/)/.test(u))).toEqual([]);
    },
  );

  it(
    'selecting another adapter does load its client (the hook sees package imports)',
    { timeout: 60_000 },
    () => {
      const graph = moduleGraph(['--with-docker']);
      expect(platformModules(graph).some((u) => u.includes('/node_modules/dockerode/'))).toBe(true);
    },
  );
});
