import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { ContainerInfo, DockerApi } from './client.js';
import { containerGuardrailReader, containerHardwareCollector } from './metrics.js';
import { containerSystemInfo } from './system-info.js';
import type { ContainerStatsSample } from './stats.js';

function fakeApi(sample: () => ContainerStatsSample, info: Partial<ContainerInfo> = {}) {
  const calls: string[] = [];
  const api: DockerApi = {
    inspect: (c) => (calls.push(`inspect ${c}`), Promise.resolve({ Id: 'abc', ...info })),
    stats: (c, _s, oneShot) => (calls.push(`stats ${c} oneShot=${oneShot}`), Promise.resolve(sample())),
    restart: () => Promise.reject(new Error('unused')),
    hostMemory: () => (calls.push('info'), Promise.resolve(64 * 1024 ** 3)),
  };
  return { api, calls };
}

function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ format: 'json', destination }), lines };
}

const signal = new AbortController().signal;

describe('docker hardware collector', () => {
  it('reports CPU % from a full sample and memory used without inactive file', async () => {
    const { api, calls } = fakeApi(() => ({
      cpu_stats: { cpu_usage: { total_usage: 4e9 }, system_cpu_usage: 20e9 },
      precpu_stats: { cpu_usage: { total_usage: 3e9 }, system_cpu_usage: 10e9 },
      memory_stats: { usage: 900, limit: 2000, stats: { inactive_file: 100 } },
    }));
    const metrics = await containerHardwareCollector(api, 'pg').collect(signal);
    expect(metrics).toEqual([
      { key: 'node_cpu_usage', type: 'float', value: 10 },
      { key: 'node_memory_used', type: 'bytes', value: 800 },
    ]);
    expect(calls).toEqual(['stats pg oneShot=false']);
  });

  it('fails when the engine reports no memory usage', async () => {
    const { api } = fakeApi(() => ({ memory_stats: { usage: 0, limit: 0 } }));
    await expect(containerHardwareCollector(api, 'pg').collect(signal)).rejects.toThrow(/memory usage is 0/);
  });
});

describe('docker guardrail reading', () => {
  it('reads used (v1 cache excluded) against the limit from a one-shot sample', async () => {
    const { api, calls } = fakeApi(() => ({
      memory_stats: { usage: 950, limit: 1000, stats: { total_inactive_file: 50 } },
    }));
    const read = containerGuardrailReader(
      api,
      'pg',
      createLogger({ format: 'json', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    );
    expect(await read(signal)).toEqual({ usedBytes: 900, limitBytes: 1000, source: 'docker' });
    expect(calls).toEqual(['stats pg oneShot=true']);
  });

  it('without a limit: null, and one warning however often it runs', async () => {
    const { api } = fakeApi(() => ({ memory_stats: { usage: 950, limit: 0 } }));
    const { log, lines } = captureLog();
    const read = containerGuardrailReader(api, 'pg', log);
    for (let i = 0; i < 5; i++) expect(await read(signal)).toBeNull();
    const warnings = lines.filter(
      (l) => l.msg === 'container has no memory limit; memory guardrail disabled',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.container).toBe('pg');
  });
});

describe('docker system info (node part)', () => {
  it('uses the stats limit, the inspect CPU limits and the image name', async () => {
    const { api, calls } = fakeApi(() => ({ memory_stats: { usage: 1, limit: 4 * 1024 ** 3 } }), {
      Config: { Image: 'postgres:16-alpine' },
      HostConfig: { NanoCpus: 3e9 },
    });
    expect(await containerSystemInfo(api, 'pg', signal)).toEqual([
      { key: 'node_cpu_count', type: 'int', value: 3 },
      { key: 'node_memory_total', type: 'bytes', value: 4 * 1024 ** 3 },
      { key: 'node_os_info', type: 'string', value: 'linux' },
      { key: 'system_info_platform', type: 'string', value: 'docker' },
      { key: 'system_info_platform_version', type: 'string', value: 'postgres:16-alpine' },
    ]);
    expect(calls).not.toContain('info');
  });

  it('without a memory limit, uses the engine host memory', async () => {
    const { api, calls } = fakeApi(() => ({ memory_stats: { usage: 1, limit: 0 } }), {
      Config: { Image: 'pg' },
    });
    const metrics = await containerSystemInfo(api, 'pg', signal);
    expect(metrics.find((m) => m.key === 'node_memory_total')?.value).toBe(64 * 1024 ** 3);
    expect(calls).toContain('info');
  });

  it('is all-or-nothing: a failed stats call fails the whole reading', async () => {
    const { api } = fakeApi(() => {
      throw new Error('engine gone');
    });
    await expect(containerSystemInfo(api, 'pg', signal)).rejects.toThrow('engine gone');
  });
});
