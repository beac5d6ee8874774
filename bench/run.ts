/**
 * Every benchmark → bench/results/<name>.json → docs/PERFORMANCE.md.
 *
 *   npx tsx bench/run.ts                 full run (about 40 minutes)
 *   npx tsx bench/run.ts --quick         smoke run (about 6 minutes)
 *   npx tsx bench/run.ts --only overhead,memory
 *   npx tsx bench/run.ts --report        regenerate docs/PERFORMANCE.md from the JSON only
 *   add --no-build to measure the dist/ already there
 *
 * The agent is benchmarked as built: `npm run build` runs first (the CLI child process runs dist/).
 */
import { spawnSync } from 'node:child_process';
import { ROOT } from './lib/bench.js';
import { failed, runFromCli } from './lib/cli.js';
import { BENCHMARKS } from './lib/registry.js';
import { writeDoc, DOC } from './lib/report.js';
import { requireTool } from './lib/requirements.js';

const argv = process.argv.slice(2);
if (argv.includes('--report')) {
  writeDoc(BENCHMARKS);
  console.error(`bench: wrote ${DOC}`);
} else {
  // Fail before a long run, not in the middle of it.
  requireTool('pgbench');
  requireTool('exporter');
  if (!argv.includes('--no-build')) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0)
      throw new Error('bench: npm run build failed (pass --no-build to use the existing dist/)');
  }
  await runFromCli(BENCHMARKS, 'bench/run.ts').catch(failed);
}
