/** Running benches from the command line: `bench/run.ts`, or one bench file on its own. */
import { parseArgs, runBenchmark } from './bench.js';
import { writeDoc, type ReportedBenchmark, DOC } from './report.js';

/** Run `benches` (in order), write their JSON, regenerate docs/PERFORMANCE.md. */
export async function runFromCli(benches: readonly ReportedBenchmark[], script: string): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const selected = only.length ? benches.filter((b) => only.includes(b.name)) : benches;
  const unknown = only.filter((n) => !benches.some((b) => b.name === n));
  if (unknown.length) throw new Error(`bench: unknown benchmark ${unknown.join(', ')}`);
  const failures: string[] = [];
  for (const b of selected) {
    const command = `npx tsx ${script}${quick ? ' --quick' : ''}${script.endsWith('run.ts') ? ` --only ${b.name}` : ''}`;
    try {
      await runBenchmark(b, quick, command);
    } catch (err) {
      failures.push(b.name);
      console.error(`bench ${b.name} failed:`, err);
    }
  }
  // Always the whole registry, so a single bench keeps the other sections.
  const { BENCHMARKS } = await import('./registry.js');
  writeDoc(BENCHMARKS);
  console.error(`bench: wrote ${DOC}`);
  if (failures.length) {
    console.error(`bench: failed: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

/** Last-resort handler for a bench entry point. */
export function failed(err: unknown): void {
  console.error(err);
  process.exitCode = 1;
}
