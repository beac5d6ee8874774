import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createLocalRestart, type CommandResult, type CommandRunner } from './restart.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string, mode = 0o755): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}
const signal = () => new AbortController().signal;

describe('restart script', () => {
  it('succeeds on exit 0, with no arguments and no shell', async () => {
    const out = path.join(dir, 'args.txt');
    const restart = createLocalRestart({ restartScriptPath: script('ok.sh', `echo "$#:$*" > "${out}"`) });
    await restart(signal());
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(out, 'utf8')).toBe('0:\n');
  });

  it('fails on a non-zero exit, with its output', async () => {
    const restart = createLocalRestart({
      restartScriptPath: script('fail.sh', 'echo out; echo boom >&2; exit 3'),
    });
    await expect(restart(signal())).rejects.toThrow(
      /^apply: restart: restart script .*fail\.sh failed \(exit code 3\): out\nboom$/,
    );
  });

  it('is killed when it outlasts its time limit', async () => {
    const restart = createLocalRestart({ restartScriptPath: script('slow.sh', 'sleep 30'), timeoutMs: 200 });
    const started = Date.now();
    await expect(restart(signal())).rejects.toThrow(/timed out and was killed/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('is killed when the caller aborts', async () => {
    const restart = createLocalRestart({ restartScriptPath: script('slow2.sh', 'sleep 30') });
    await expect(restart(AbortSignal.timeout(200))).rejects.toThrow(/timed out and was killed/);
  });

  it('does not wait for a daemon that keeps its output open', async () => {
    const restart = createLocalRestart({ restartScriptPath: script('daemon.sh', '(sleep 5 &)\nexit 0') });
    const started = Date.now();
    await restart(signal());
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it.each([
    ['missing', () => path.join(dir, 'nope.sh'), /does not exist/],
    [
      'a directory',
      () => (mkdirSync(path.join(dir, 'd.sh'), { recursive: true }), path.join(dir, 'd.sh')),
      /is a directory/,
    ],
    ['not executable', () => script('noexec.sh', 'exit 0', 0o644), /is not executable/],
    ['world-writable', () => script('ww.sh', 'exit 0', 0o777), /is world-writable/],
  ])('refuses a script that is %s at creation', (_label, make, re) => {
    const p = make();
    expect(() => createLocalRestart({ restartScriptPath: p })).toThrow(ConfigError);
    expect(() => createLocalRestart({ restartScriptPath: p })).toThrow(re);
  });

  it('needs a script or a service', () => {
    expect(() => createLocalRestart({})).toThrow(/neither a service name nor a restart script/);
    expect(() => createLocalRestart({ serviceName: '-x; rm' })).toThrow(/invalid service name/);
  });
});

describe('systemd', () => {
  const result = (code: number): CommandResult => ({
    code,
    signal: null,
    output: `code ${code}`,
    timedOut: false,
  });
  function fake(codes: number[]): { run: CommandRunner; calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      run: (file, args) => {
        calls.push([file, ...args].join(' '));
        return Promise.resolve(result(codes.shift() ?? 0));
      },
    };
  }
  it('runs systemctl restart', async () => {
    const f = fake([0]);
    await createLocalRestart({ serviceName: 'postgresql@16-main', run: f.run })(signal());
    expect(f.calls).toEqual(['systemctl restart postgresql@16-main']);
  });
  it('retries with sudo -n on failure', async () => {
    const f = fake([1, 0]);
    await createLocalRestart({ serviceName: 'postgresql', run: f.run })(signal());
    expect(f.calls).toEqual(['systemctl restart postgresql', 'sudo -n systemctl restart postgresql']);
  });
  it('fails when sudo fails too', async () => {
    const f = fake([1, 1]);
    await expect(createLocalRestart({ serviceName: 'postgresql', run: f.run })(signal())).rejects.toThrow(
      'apply: restart: failed to restart PostgreSQL service postgresql with sudo (exit code 1)',
    );
  });
});
