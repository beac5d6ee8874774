import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../cli/usage-error.js';
import type { Io } from '../cli/program.js';
import type { Config } from '../config/index.js';
import { scrub, type Logger } from '../log.js';
import { embeddedSettings, settingConflicts, startEmbeddedForAgent } from './attach.js';
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
      onFinish: 'exit',
      explicit: [],
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
      onFinish: 'exit',
      explicit: [
        { key: 'iterations', source: 'DBT_EMBEDDED_ITERATIONS', value: 12 },
        { key: 'iterationSeconds', source: 'DBT_EMBEDDED_ITERATION_SECONDS', value: 45.5 },
        { key: 'warmupSeconds', source: 'DBT_EMBEDDED_WARMUP_SECONDS', value: 0 },
        { key: 'objective', source: 'DBT_EMBEDDED_OBJECTIVE', value: 'latency' },
      ],
    });
  });

  it('reports every invalid value at once as a usage error', () => {
    const bad = {
      DBT_EMBEDDED_ITERATIONS: '2.5',
      DBT_EMBEDDED_ITERATION_SECONDS: '0',
      DBT_EMBEDDED_OBJECTIVE: 'qps',
      DBT_EMBEDDED_ON_FINISH: 'stay',
    };
    expect(() => embeddedSettings(bad)).toThrow(UsageError);
    expect(() => embeddedSettings(bad)).toThrow(
      /DBT_EMBEDDED_ITERATIONS=2\.5.*DBT_EMBEDDED_ITERATION_SECONDS=0.*DBT_EMBEDDED_OBJECTIVE=qps.*DBT_EMBEDDED_ON_FINISH=stay/,
    );
  });
});

describe('settingConflicts', () => {
  const saved = {
    iterations: 30,
    iterationSeconds: 120,
    warmupSeconds: 30,
    objective: 'tps',
    seed: 1,
  } as const;
  it('names each explicit setting that differs from the saved session, and nothing else', () => {
    const explicit = embeddedSettings({
      DBT_EMBEDDED_ITERATIONS: '10',
      DBT_EMBEDDED_ITERATION_SECONDS: '120',
      DBT_EMBEDDED_OBJECTIVE: 'latency',
    }).explicit;
    expect(settingConflicts(saved, explicit)).toEqual([
      'DBT_EMBEDDED_ITERATIONS=10 but the saved session has iterations=30',
      'DBT_EMBEDDED_OBJECTIVE=latency but the saved session has objective=tps',
    ]);
  });
  it('defaults are never a conflict: a session started with other settings resumes when none is given', () => {
    expect(settingConflicts({ ...saved, iterations: 5 }, embeddedSettings({}).explicit)).toEqual([]);
  });
});

describe('startEmbeddedForAgent for check', () => {
  it('gives check a working local platform, registers the key as a secret and saves no session', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'embedded-attach-'));
    dirs.push(dir);
    const io: Io = { out: noop, err: noop, env: { DBT_EMBEDDED_STATE_DIR: dir }, cwd: dir };
    const config = { tuning: { dry_run: false }, postgresql: { allow_restart: false } } as unknown as Config;
    const throwaways = () => readdirSync(os.tmpdir()).filter((n) => n.startsWith('dbtune-embedded-check-'));
    const before = new Set(throwaways());
    const connected = await startEmbeddedForAgent(config, log, io, { purpose: 'check' });
    const created = throwaways().filter((n) => !before.has(n));
    const stateFile = created.map((n) => path.join(os.tmpdir(), n, STATE_FILE)).find((f) => existsSync(f));
    try {
      expect(stateFile).toBeDefined();
      expect(connected.label).toBe('embedded');
      await connected.client.heartbeat({
        agent_version: 't',
        agent_start_time: '2026-01-01T00:00:00Z',
        agent_identifier: '3f0c0000-0000-4000-8000-000000000000',
        allow_restart: false,
      });
      expect(await connected.client.fetchRecommendation()).toBeNull();
      const { apiKey } = JSON.parse(readFileSync(stateFile ?? '', 'utf8')) as { apiKey: string };
      expect(scrub(`key=${apiKey}`)).not.toContain(apiKey);
    } finally {
      await connected.forwarder.stop();
      await connected.close();
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(stateFile ?? '')).toBe(false);
  });
});
