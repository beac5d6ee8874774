import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  parsePostmasterOpts,
  restartScriptContent,
  shellQuote,
  writeRestartScript,
} from './restart-script.js';

const OPTS =
  '/pg/bin/postgres "-D" "/tmp/x/data" "-p" "5433" "-k" "/tmp/x/sock" "-c" "listen_addresses=127.0.0.1" "-c" "shared_preload_libraries=pg_stat_statements" "-c" "fsync=on"\n';

describe('postmaster.opts', () => {
  it('yields the server options without -D', () => {
    expect(parsePostmasterOpts(OPTS)).toEqual([
      '-p',
      '5433',
      '-k',
      '/tmp/x/sock',
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
      '-c',
      'fsync=on',
    ]);
  });
});

describe('restart script content', () => {
  const input = {
    pgCtl: '/pg/bin/pg_ctl',
    dataDir: '/tmp/x/data',
    logFile: '/tmp/x/server.log',
    serverOptions: parsePostmasterOpts(OPTS),
  };

  it('runs pg_ctl restart in fast mode, waits, and keeps port, socket dir and settings', () => {
    const text = restartScriptContent(input);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    expect(text).toContain('set -e');
    const exec = lines.at(-1)!;
    expect(exec).toMatch(
      /^exec '\/pg\/bin\/pg_ctl' -D '\/tmp\/x\/data' -l '\/tmp\/x\/server.log' -m fast -w -t 120 -o .* restart$/,
    );
    expect(exec).not.toContain('runuser');
    // The -o string, as /bin/sh hands it to pg_ctl, holds every option quoted once more.
    const o = /-o ('.*') restart$/.exec(exec)![1]!;
    const unquoted = execFileSync('sh', ['-c', `printf %s ${o}`]).toString();
    expect(unquoted).toBe(
      "'-p' '5433' '-k' '/tmp/x/sock' '-c' 'listen_addresses=127.0.0.1' '-c' 'shared_preload_libraries=pg_stat_statements' '-c' 'fsync=on'",
    );
  });

  it('switches to the cluster user with runuser when one is given', () => {
    const text = restartScriptContent({ ...input, runAsUser: 'postgres', timeoutSeconds: 30 });
    expect(text).toMatch(/^exec runuser -u 'postgres' -- '\/pg\/bin\/pg_ctl' .* -t 30 /m);
    expect(text).toContain('cd /');
  });

  it('quotes paths with spaces and quotes so the shell sees them whole', () => {
    expect(shellQuote("a b'c")).toBe(`'a b'\\''c'`);
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote("a b'c $HOME")}`]).toString()).toBe(
      "a b'c $HOME",
    );
  });
});

describe('writeRestartScript', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an executable, not world-writable script for the cluster', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'demo-restart-test-'));
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'postmaster.opts'), OPTS.replace('/tmp/x/data', dataDir));
    const file = writeRestartScript(dir, {
      binDir: '/pg/bin',
      dataDir,
      logFile: '/l',
      port: 5433,
      runAs: {},
    });
    expect(statSync(file).mode & 0o777).toBe(0o750);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`-D '${dataDir}'`);
    expect(text).toContain(`-p'\\'' '\\''5433'`); // '-p' '5433', quoted again inside -o
  });

  it('refuses when postmaster.opts does not show the cluster port', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'demo-restart-test-'));
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'postmaster.opts'), OPTS);
    expect(() =>
      writeRestartScript(dir, { binDir: '/b', dataDir, logFile: '/l', port: 6000, runAs: {} }),
    ).toThrow(/does not carry port 6000/);
  });
});
