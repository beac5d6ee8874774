import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCgroup, readCgroupMemory, readContainerMemory } from './cgroup.js';
import { hostReadingFromMeminfo, readHostMemory } from './host-memory.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fx = (name: string) => path.join(fixtures, name);
const MiB = 1024 ** 2;
// Every fixture's /proc/meminfo: MemTotal 16384000 kB, MemAvailable 4096000 kB.
const host = {
  usedBytes: (16384000 - 4096000) * 1024,
  limitBytes: 16384000 * 1024,
  source: 'host',
  kind: 'used',
};

describe('cgroup readings', () => {
  it('v2: memory.current − inactive_file against memory.max', async () => {
    expect(await detectCgroup(fx('cgroup-v2'))).toEqual({
      version: 'v2',
      dir: path.join(fx('cgroup-v2'), 'sys/fs/cgroup/system.slice/postgresql.service'),
    });
    expect(await readCgroupMemory(fx('cgroup-v2'))).toEqual({
      usedBytes: 2048 * MiB - 512 * MiB,
      limitBytes: 4096 * MiB,
      source: 'cgroup-v2',
      kind: 'used',
    });
  });

  it('v2 with memory.max = max: no limit, falls back to the host', async () => {
    expect((await detectCgroup(fx('cgroup-v2-max')))?.version).toBe('v2');
    expect(await readCgroupMemory(fx('cgroup-v2-max'))).toBeNull();
    expect(await readContainerMemory(fx('cgroup-v2-max'))).toEqual(host);
  });

  it('v1: usage_in_bytes − total_inactive_file against limit_in_bytes (files at the mount root)', async () => {
    expect(await detectCgroup(fx('cgroup-v1'))).toEqual({
      version: 'v1',
      dir: path.join(fx('cgroup-v1'), 'sys/fs/cgroup/memory'),
    });
    expect(await readContainerMemory(fx('cgroup-v1'))).toEqual({
      usedBytes: 1792 * MiB - 128 * MiB,
      limitBytes: 2048 * MiB,
      source: 'cgroup-v1',
      kind: 'used',
    });
  });

  it('v1 with the ~2^63 sentinel: no limit, falls back to the host', async () => {
    expect((await detectCgroup(fx('cgroup-v1-unlimited')))?.dir).toBe(
      path.join(fx('cgroup-v1-unlimited'), 'sys/fs/cgroup/memory/user.slice'),
    );
    expect(await readCgroupMemory(fx('cgroup-v1-unlimited'))).toBeNull();
    expect(await readContainerMemory(fx('cgroup-v1-unlimited'))).toEqual(host);
  });

  describe('edge cases', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'dbtune-cgroup-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    const file = (rel: string, content: string) => {
      const p = path.join(tmp, rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content);
    };

    it('no /proc/self/cgroup: no cgroup', async () => {
      expect(await detectCgroup(path.join(tmp, 'nothing'))).toBeNull();
    });

    it('inactive_file larger than usage: usage is kept', async () => {
      file('a/proc/self/cgroup', '0::/\n');
      file('a/sys/fs/cgroup/cgroup.controllers', 'memory\n');
      file('a/sys/fs/cgroup/memory.current', '100\n');
      file('a/sys/fs/cgroup/memory.max', '1000\n');
      file('a/sys/fs/cgroup/memory.stat', 'inactive_file 500\n');
      expect(await readCgroupMemory(path.join(tmp, 'a'))).toMatchObject({ usedBytes: 100, limitBytes: 1000 });
    });

    it('garbage in memory.max is an error, not a silent zero', async () => {
      file('b/proc/self/cgroup', '0::/\n');
      file('b/sys/fs/cgroup/cgroup.controllers', 'memory\n');
      file('b/sys/fs/cgroup/memory.current', '100\n');
      file('b/sys/fs/cgroup/memory.max', 'lots\n');
      file('b/sys/fs/cgroup/memory.stat', '');
      await expect(readCgroupMemory(path.join(tmp, 'b'))).rejects.toThrow(/unexpected content/);
    });
  });
});

describe('host memory', () => {
  it('uses MemTotal − MemAvailable', async () => {
    expect(await readHostMemory(fx('cgroup-v2'))).toEqual(host);
  });
  it('approximates MemAvailable on old kernels', () => {
    const r = hostReadingFromMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n');
    expect(r).toMatchObject({ usedBytes: 600 * 1024, limitBytes: 1000 * 1024 });
  });
  it('refuses meminfo without MemTotal', () => {
    expect(() => hostReadingFromMeminfo('MemFree: 1 kB\n')).toThrow(/MemTotal/);
  });
  it('reads the real host without touching a database', async () => {
    const r = await readHostMemory();
    expect(r.limitBytes).toBeGreaterThan(0);
    expect(r.usedBytes).toBeGreaterThanOrEqual(0);
    expect(r.usedBytes).toBeLessThanOrEqual(r.limitBytes);
  });
});
