/**
 * The AWS SDK clients go through the proxy the environment names for their endpoint (the SDK does
 * not read HTTPS_PROXY / HTTP_PROXY / NO_PROXY itself; adapters/rds/proxy.ts). `aws.test` resolves
 * only inside the recording CONNECT proxy, so a call that answers came through the tunnel; the
 * EC2 call runs in its worker thread (adapters/rds/ec2-worker.ts) and must tunnel too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsApi, type AwsApi } from '../../adapters/rds/client.js';
import type { RdsSettings } from '../../adapters/rds/config.js';
import { AwsSim } from '../harness/aws-sim/index.js';
import { startConnectProxy, type ConnectProxy } from '../harness/connect-proxy.js';

const VARS = [
  'AWS_ENDPOINT_URL',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
];

describe('AWS SDK clients behind a proxy', () => {
  let sim: AwsSim;
  let proxy: ConnectProxy;
  let port: string;
  const saved = new Map(VARS.map((v) => [v, process.env[v]]));
  let settings: RdsSettings;

  beforeAll(async () => {
    [sim, proxy] = await Promise.all([AwsSim.start(), startConnectProxy({ 'aws.test': '127.0.0.1' })]);
    port = new URL(sim.endpoint).port;
    sim.addInstance({ id: 'db1', instanceClass: 'db.m5.large', parameterGroup: 'g1' });
    settings = {
      variant: 'rds',
      section: 'rds',
      region: 'eu-west-1',
      instanceId: 'db1',
      credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
    };
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  });

  afterAll(async () => {
    for (const [v, value] of saved) {
      if (value === undefined) delete process.env[v];
      else process.env[v] = value;
    }
    await Promise.all([sim.close(), proxy.close()]);
  });

  async function withApi<T>(env: Record<string, string | undefined>, run: (api: AwsApi) => Promise<T>) {
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    const api = createAwsApi(settings);
    try {
      return await run(api);
    } finally {
      api.close();
    }
  }

  it('tunnels RDS and the EC2 worker through HTTP_PROXY to the configured endpoint', async () => {
    const before = proxy.tunnels().length;
    const env = { AWS_ENDPOINT_URL: `http://aws.test:${port}`, HTTP_PROXY: proxy.url, NO_PROXY: undefined };
    const found = await withApi(env, async (api) => {
      const signal = AbortSignal.timeout(20_000);
      return [await api.describeInstance('db1', signal), await api.instanceType('m5.large', signal)] as const;
    });
    expect(found[0]?.DBInstanceIdentifier).toBe('db1');
    expect(found[1]).toEqual({ vcpus: 2, memoryMiB: 8192 });
    const tunnels = proxy.tunnels().slice(before);
    // One tunnel from the main thread's RDS client, one from the worker's EC2 client.
    expect(tunnels.map((t) => t.target)).toEqual([`aws.test:${port}`, `aws.test:${port}`]);
    expect(proxy.plainRequests()).toEqual([]);
    expect(sim.requests().map((r) => `${r.service}:${r.action}`)).toEqual(
      expect.arrayContaining(['rds:DescribeDBInstances', 'ec2:DescribeInstanceTypes']),
    );
  });

  it('connects directly when NO_PROXY names the endpoint', async () => {
    const before = proxy.tunnels().length;
    const env = { AWS_ENDPOINT_URL: `http://aws.test:${port}`, HTTP_PROXY: proxy.url, NO_PROXY: 'aws.test' };
    // aws.test resolves only inside the proxy: a direct connection cannot find it.
    await expect(
      withApi(env, (api) => api.describeInstance('db1', AbortSignal.timeout(20_000))),
    ).rejects.toThrow(/ENOTFOUND|getaddrinfo|aws\.test/);
    expect(proxy.tunnels().length).toBe(before);
  });

  it('never proxies a loopback endpoint', async () => {
    const before = proxy.tunnels().length;
    const env = { AWS_ENDPOINT_URL: sim.endpoint, HTTP_PROXY: proxy.url, NO_PROXY: undefined };
    const found = await withApi(env, (api) => api.describeInstance('db1', AbortSignal.timeout(20_000)));
    expect(found?.DBInstanceIdentifier).toBe('db1');
    expect(proxy.tunnels().length).toBe(before);
  });
});
