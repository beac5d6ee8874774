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
