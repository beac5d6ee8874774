/**
 * The deployment files cannot be exercised here (no systemd, no Docker engine), so check that they
 * agree with the package: the entry point they run exists in `bin`, the flags they pass exist.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };
const program = read('src/cli/program.ts') + read('adapters/index.ts');

describe('deploy files', () => {
  it('the container runs the package bin entry point', () => {
    const dockerfile = read('deploy/container/Dockerfile');
    expect(dockerfile).toContain(`/app/${pkg.bin['dbtune-agent']!}`);
    for (const dir of ['src', 'adapters', 'collectors', 'guardrails'])
      expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
  });

  it('the container starts node with the launcher settings of the bin (src/cli/main.ts line 1)', () => {
    const shebang = read('src/cli/main.ts').split('\n')[0]!;
    const launcher = /^#!\/usr\/bin\/env -S (.*)$/.exec(shebang);
    expect(launcher, shebang).not.toBeNull();
    const words = launcher![1]!.split(/\s+/);
    const envs = words.filter((w) => /^[A-Z_]+=/.test(w));
    const nodeFlags = words.filter((w) => w.startsWith('--'));
    expect(words.filter((w) => !envs.includes(w) && !nodeFlags.includes(w))).toEqual(['node']);
    expect(nodeFlags.length).toBeGreaterThan(0);
    const dockerfile = read('deploy/container/Dockerfile');
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
    expect(entry).not.toBeNull();
    const argv = JSON.parse(entry![1]!) as string[];
    expect(argv).toEqual(['node', ...nodeFlags, `/app/${pkg.bin['dbtune-agent']!}`]);
    const envLine = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)?.[1]?.split(/[\s\\]+/) ?? [];
    for (const e of envs) expect(envLine).toContain(e);
  });

  it('the systemd unit runs the bin with flags the CLI accepts, and does not restart on bad config', () => {
    const unit = read('deploy/systemd/dbtune-agent.service');
    const exec = /^ExecStart=.*dbtune-agent (.*)$/m.exec(unit);
    expect(exec).not.toBeNull();
    for (const flag of exec![1]!.split(/\s+/).filter((a) => a.startsWith('--'))) {
      expect(program, `flag ${flag}`).toContain(`'${flag}`);
    }
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(Object.keys(pkg.bin)).toContain('dbtune-agent');
  });
});
