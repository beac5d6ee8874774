import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../cli/usage-error.js';
import type { Io } from '../cli/program.js';
import type { Config } from '../config/index.js';
import { scrub, type Logger } from '../log.js';
import { embeddedSettings, startEmbeddedForAgent } from './attach.js';
import { STATE_FILE } from './platform/index.js';

const noop = (): void => undefined;
const log = { debug: noop, info: noop, warn: noop, error: noop } as unknown as Logger;
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('embeddedSettings', () => {
  it('defaults to 30 iterations of 120 s on TPS under ~/.local/state', () => {
    expect(embeddedSettings({}, '/home/u')).toEqual({
      stateDir: '/home/u/.local/state/dbtune-agent/embedded',
      iterations: 30,
      iterationSeconds: 120,
      warmupSeconds: 30,
      objective: 'tps',
    });
  });

  it('follows XDG_STATE_HOME and the DBT_EMBEDDED_* overrides', () => {
    expect(embeddedSettings({ XDG_STATE_HOME: '/x' }, '/home/u').stateDir).toBe('/x/dbtune-agent/embedded');
    const s = embeddedSettings(
      {
        XDG_STATE_HOME: '/x',
        DBT_EMBEDDED_STATE_DIR: '/d',
        DBT_EMBEDDED_ITERATIONS: '12',
        DBT_EMBEDDED_ITERATION_SECONDS: '45.5',
        DBT_EMBEDDED_WARMUP_SECONDS: '0',
        DBT_EMBEDDED_OBJECTIVE: 'latency',
      },
      '/home/u',
    );
    expect(s).toEqual({
      stateDir: '/d',
      iterations: 12,
      iterationSeconds: 45.5,
      warmupSeconds: 0,
      objective: 'latency',
    });
  });

  it('reports every invalid value at once as a usage error', () => {
    const bad = {
      DBT_EMBEDDED_ITERATIONS: '2.5',
      DBT_EMBEDDED_ITERATION_SECONDS: '0',
      DBT_EMBEDDED_OBJECTIVE: 'qps',
    };
    expect(() => embeddedSettings(bad)).toThrow(UsageError);
    expect(() => embeddedSettings(bad)).toThrow(
      /DBT_EMBEDDED_ITERATIONS=2\.5.*DBT_EMBEDDED_ITERATION_SECONDS=0.*DBT_EMBEDDED_OBJECTIVE=qps/,
    );
  });
});

describe('startEmbeddedForAgent', () => {
  it('gives the agent a client for the local platform and registers the key as a secret', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'embedded-attach-'));
    dirs.push(dir);
    const io: Io = { out: noop, err: noop, env: { DBT_EMBEDDED_STATE_DIR: dir }, cwd: dir };
    const config = { tuning: { dry_run: false }, postgresql: { allow_restart: false } } as unknown as Config;
    const connected = await startEmbeddedForAgent(config, log, io);
    try {
      expect(connected.label).toBe('embedded');
      await connected.client.heartbeat({
        agent_version: 't',
        agent_start_time: '2026-01-01T00:00:00Z',
        agent_identifier: '3f0c0000-0000-4000-8000-000000000000',
        allow_restart: false,
      });
      expect(await connected.client.fetchRecommendation()).toBeNull();
      expect(existsSync(path.join(dir, STATE_FILE))).toBe(true);
      const { apiKey } = JSON.parse(readFileSync(path.join(dir, STATE_FILE), 'utf8')) as { apiKey: string };
      expect(scrub(`key=${apiKey}`)).not.toContain(apiKey);
    } finally {
      await connected.forwarder.stop();
      await connected.close();
    }
  });
});
