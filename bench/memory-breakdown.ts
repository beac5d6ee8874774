/**
 * Where the installed agent's resident memory goes: the built CLI (`--local`, started through its
 * launcher line as the installed bin is) against N tables / 5·N statements for S seconds, then
 * /proc/<pid>/smaps grouped by mapping (node binary text and read-only data, anonymous memory,
 * malloc heap), VmHWM, and the V8 heap figures from inside the process (bench/lib/heap-probe.cjs).
 * A diagnostic, not a reported benchmark: docs/MEMORY.md quotes its output.
 *
 * Run: npm run build && npx tsx bench/memory-breakdown.ts [tables=1000] [seconds=60]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { CLI, startAgent } from '../test/harness/agent-process.js';
import { agentEnv, FakePlatform, requireBuiltCli } from './lib/agent.js';
import { withBenchCluster } from './lib/cluster.js';
import { sampleProcess } from './lib/proc.js';
import { sleep } from './lib/stats.js';
import { createSchema, runStatements } from './lib/workload.js';
import { dependencyFloor, floorLines } from './lib/dependency-floor.js';

const MiB = 1024 * 1024;
const tables = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 60);
const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lib', 'heap-probe.cjs');

/** Resident kB per mapping (path + permissions) from /proc/<pid>/smaps. */
function residentByMapping(pid: number): [string, number][] {
  const out = new Map<string, number>();
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) name = `${m[2] || '[anon]'} ${m[1]}`;
    else if (line.startsWith('Rss:')) out.set(name, (out.get(name) ?? 0) + parseInt(line.slice(4), 10));
  }
  return [...out].sort((a, b) => b[1] - a[1]);
}

requireBuiltCli();
await withBenchCluster({ 'pg_stat_statements.max': Math.max(10_000, tables * 8) }, async (bc) => {
  const admin = new pg.Client({ connectionString: bc.cluster.url });
  await admin.connect();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-mem-'));
  const fake = await FakePlatform.start();
  try {
    await createSchema(admin, tables);
    await runStatements(admin, 0, tables * 5, tables * 5, tables);
    const out = path.join(dir, 'probe.json');
    const agent = startAgent(
      ['--local'],
      {
        ...agentEnv(fake, bc.agentUrl),
        NODE_OPTIONS: `--require ${PROBE}`,
        PROBE_OUT: out,
        PROBE_AFTER_MS: String((seconds - 5) * 1000),
      },
      { launcher: true },
    );
    try {
      const sampler = sampleProcess(agent.child.pid!, 1_000);
      await sleep(seconds * 1000);
      const samples = sampler.stop();
      const mappings = residentByMapping(agent.child.pid!);
      const probe = JSON.parse(readFileSync(out, 'utf8')) as {
        memory: NodeJS.MemoryUsage;
        spaces: Record<string, number>;
        modules: string[];
      };
      const mib = (b: number) => (b / MiB).toFixed(1);
      console.log(`${tables} tables, ${seconds} s: VmHWM ${mib(Math.max(...samples.map((s) => s.hwm)))} MiB`);
      for (const [name, kb] of mappings.filter(([, kb]) => kb >= 256))
        console.log(`  ${mib(kb * 1024).padStart(6)} MiB  ${name}`);
      const m = probe.memory;
      console.log(
        `V8 heap used ${mib(m.heapUsed)} of ${mib(m.heapTotal)} MiB; external ${mib(m.external)} MiB`,
      );
      console.log(
        `  spaces: ${Object.entries(probe.spaces)
          .filter(([, b]) => b > 0)
          .map(([n, b]) => `${n} ${mib(b)}`)
          .join(', ')}`,
      );
      const packages = new Map<string, number>();
      for (const f of probe.modules) {
        const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1] ?? '(other)';
        packages.set(pkg, (packages.get(pkg) ?? 0) + 1);
      }
      console.log(
        `CommonJS modules loaded: ${probe.modules.length} — ${[...packages]
          .sort((a, b) => b[1] - a[1])
          .map(([p, n]) => `${p} ${n}`)
          .join(', ')}`,
      );
      // The floor: the direct dependencies this run loaded (zod is ESM, so the CommonJS list
      // cannot show it; the configuration schema imports it on every path), imported by a bare node.
      const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
      const direct = Object.keys(
        (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: object })
          .dependencies,
      );
      const used = [...new Set(['zod', ...direct.filter((d) => packages.has(d))])].sort();
      for (const line of floorLines(dependencyFloor(CLI, root, used))) console.log(line);
    } finally {
      await agent.stop();
    }
  } finally {
    await fake.close();
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
});
