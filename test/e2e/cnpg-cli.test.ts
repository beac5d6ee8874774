/**
 * End-to-end: the built CLI with --cnpg against the Kubernetes API simulation, a real PostgreSQL
 * behind the simulated Cluster resource, and the fake platform proposing a reload knob. Twice:
 * - with a kubeconfig (`DBT_CNPG_KUBECONFIG_PATH`) pointing at the simulation;
 * - in-cluster: `KUBERNETES_SERVICE_HOST`/`_PORT` and the service-account files at their fixed
 *   path, /var/run/secrets/kubernetes.io/serviceaccount. The agent runs in a private mount
 *   namespace (`unshare --mount`, root) where a tmpfs over /run holds those files, as the kubelet's
 *   projected volume would; nothing outside that namespace sees them. Needs root and CAP_SYS_ADMIN,
 *   as the harness's PostgreSQL (run as the `postgres` user) already needs root.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../harness/agent-process.js';
import { FakePlatform, type RecordedRequest } from '../harness/fake-platform.js';
import { K8sSim, type CnpgCluster } from '../harness/k8s-sim/index.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

const GIB = 1024 ** 3;
const NS = 'db';
const NAME = 'pg';
const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
// Mount a tmpfs over /run (/var/run is a link to it) in the agent's own mount namespace, copy the
// service-account files in, then exec the agent.
const IN_CLUSTER_SCRIPT = `set -e
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p ${SA_MOUNT}
cp "$0"/token "$0"/ca.crt "$0"/namespace ${SA_MOUNT}/
exec "$@"`;

let pg: PgCluster;
let sim: K8sSim;
let cnpg: CnpgCluster;
let fake: FakePlatform;
let tmp: string;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  [pg, sim, fake] = await Promise.all([startPostgres(), K8sSim.start(), FakePlatform.start()]);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dbtune-cnpg-e2e-'));
  writeFileSync(path.join(tmp, 'kubeconfig'), sim.kubeconfig(NS));
  const sa = path.join(tmp, 'serviceaccount');
  mkdirSync(sa);
  writeFileSync(path.join(sa, 'token'), sim.token);
  writeFileSync(path.join(sa, 'ca.crt'), sim.caPem);
  writeFileSync(path.join(sa, 'namespace'), NS);
  sim.addNode({
    name: 'node-a',
    allocatable: { cpu: '8', memory: '32Gi' },
    osImage: 'Ubuntu 24.04.1 LTS',
    kernelVersion: '6.8.0-45-generic',
  });
  cnpg = sim.addCluster({
    name: NAME,
    namespace: NS,
    pg,
    pods: [
      {
        name: 'pg-1',
        node: 'node-a',
        resources: { limits: { cpu: '2', memory: '4Gi' } },
        usage: { cpuNanocores: 500_000_000, memoryBytes: GIB },
      },
      { name: 'pg-2', node: 'node-a' },
    ],
  });
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await fake?.close();
  await sim?.close();
  await pg?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function waitForRequest(
  match: (r: RecordedRequest) => boolean,
  timeoutMs: number,
): Promise<RecordedRequest> {
  const seen = await fake.waitFor((rs) => rs.some(match), timeoutMs);
  return seen.find(match)!;
}

async function setting(name: string): Promise<string> {
  const rows = await pg.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
  return String(rows[0]?.setting);
}

function baseEnv(): Record<string, string> {
  return {
    DBT_POSTGRESQL_CONNECTION_URL: pg.url,
    DBT_DBTUNE_SERVER_URL: fake.url,
    DBT_DBTUNE_API_KEY: fake.apiKey,
    DBT_DBTUNE_DATABASE_ID: fake.databaseId,
    DBT_CNPG_NAMESPACE: NS,
    DBT_CNPG_CLUSTER_NAME: NAME,
    // Heartbeat every 6 s, metrics and config every 2 s.
    DBTUNE_AGENT_INTERVAL_SCALE: '0.4',
  };
}

/** Propose work_mem, run the agent until it applied it and reported hardware metrics, stop it. */
async function runOnce(
  workMemKb: number,
  env: Record<string, string>,
  prefix?: string[],
): Promise<Record<string, unknown>> {
  fake.setRecommendation([
    {
      config: [{ name: 'work_mem', setting: workMemKb, unit: 'kB', vartype: 'integer', context: 'user' }],
      knobs_overrides: ['work_mem'],
      knob_application: 'reload',
    },
  ]);
  const since = Date.now();
  sim.clearRequests();
  agent = startAgent(['--cnpg'], { ...baseEnv(), ...env }, { prefix });
  const found = await agent.waitForLog((l) => l.msg === 'CloudNativePG cluster found', 20_000);
  const applied = await agent.waitForLog(
    (l) => l.msg === 'configuration applied' && l.action === 'reload',
    30_000,
  );
  expect(applied.knobs).toEqual([`work_mem=${workMemKb}`]);
  expect(await setting('work_mem')).toBe(String(workMemKb));
  expect(cnpg.parameters.work_mem).toBe(`${workMemKb}kB`);
  const metrics = await waitForRequest(
    (r) =>
      r.at > since &&
      r.endpoint === 'metrics' &&
      (r.body as { metrics: Record<string, unknown> }).metrics.node_cpu_usage !== undefined,
    15_000,
  );
  expect((metrics.body as { metrics: Record<string, unknown> }).metrics).toMatchObject({
    node_cpu_usage: 25,
    node_memory_used: GIB,
    node_memory_used_percentage: 25,
  });
  const { code } = await agent.stop();
  expect(code).toBe(0);
  expect(fake.violations).toEqual([]);
  expect(agent.stdout() + agent.stderr()).not.toContain(sim.token);
  agent = undefined;
  return found;
}

describe('agent --cnpg against the Kubernetes API simulation and the fake platform', () => {
  it('with a kubeconfig: applies a reload knob through the Cluster resource and reports pod metrics', async () => {
    const found = await runOnce(7168, { DBT_CNPG_KUBECONFIG_PATH: path.join(tmp, 'kubeconfig') });
    expect(found).toMatchObject({ config: 'kubeconfig', api: sim.url, primary: 'pg-1' });
    const info = (
      fake.requests('system-info').at(-1)?.body as { system_info: Record<string, { value: unknown }> }
    ).system_info;
    expect(info.node_cpu_count?.value).toBe(2);
    expect(info.node_memory_total?.value).toBe(4 * GIB);
    expect(info.node_os_info?.value).toBe('Ubuntu 24.04.1 LTS');
  }, 60_000);

  it('in-cluster: service-account files at their fixed path and KUBERNETES_SERVICE_HOST/PORT', async () => {
    const found = await runOnce(
      9216,
      {
        KUBERNETES_SERVICE_HOST: '127.0.0.1',
        KUBERNETES_SERVICE_PORT: String(sim.port),
        // Would fail if used: the in-cluster configuration comes first.
        DBT_CNPG_KUBECONFIG_PATH: path.join(tmp, 'no-such-kubeconfig'),
      },
      [
        'unshare',
        '--mount',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        IN_CLUSTER_SCRIPT,
        path.join(tmp, 'serviceaccount'),
      ],
    );
    expect(found).toMatchObject({ config: 'in-cluster', api: `https://127.0.0.1:${sim.port}` });
  }, 60_000);
});
