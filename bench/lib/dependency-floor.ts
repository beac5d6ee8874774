/**
 * The RSS below which the installed agent cannot go while it uses its runtime dependencies: `node`
 * started with the launcher's flags and environment (the built CLI's `#!/usr/bin/env -S` line),
 * importing the given packages and nothing of ours, then idle for a moment. Compared with the same
 * process importing nothing, it says what the dependencies cost before the agent runs a line; with
 * each package left out in turn, what that one adds on top of the others.
 *
 * Run alone: npm run build && npx tsx bench/lib/dependency-floor.ts pg pino zod …
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface FloorReading {
  packages: readonly string[];
  /** RSS (bytes) of each run, in run order. */
  rss: number[];
}

/** `MALLOC_ARENA_MAX=2 … node --flag …` from the built CLI's first line. */
export function launcherCommand(cli: string): string {
  const first = readFileSync(cli, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env -S (.*)$/.exec(first);
  if (!m?.[1]) throw new Error(`${cli}: no '#!/usr/bin/env -S' launcher line`);
  return m[1];
}

/**
 * `runs` interleaved readings of node alone and node with `packages` (resolved from `projectDir`),
 * each a fresh process with the launcher's flags, RSS read 500 ms after the last import.
 */
export function dependencyFloor(
  cli: string,
  projectDir: string,
  packages: readonly string[],
  runs = 3,
): { alone: FloorReading; withPackages: FloorReading; leftOut: FloorReading[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-floor-'));
  try {
    const script = (name: string, list: readonly string[]) => {
      const file = path.join(dir, `${name.replace(/[^a-z0-9-]/gi, '_')}.mjs`);
      writeFileSync(
        file,
        [
          "import { createRequire } from 'node:module';",
          "import { pathToFileURL } from 'node:url';",
          `const require = createRequire(${JSON.stringify(path.join(projectDir, 'package.json'))});`,
          `for (const name of ${JSON.stringify(list)}) await import(pathToFileURL(require.resolve(name)).href);`,
          'await new Promise((r) => setTimeout(r, 500));',
          'process.stdout.write(String(process.memoryUsage().rss));',
        ].join('\n'),
      );
      return file;
    };
    const launcher = launcherCommand(cli);
    const rssOf = (file: string) =>
      Number(execFileSync('/usr/bin/env', ['-S', `${launcher} ${file}`], { encoding: 'utf8' }));
    const none = script('none', []);
    const all = script('all', packages);
    const alone: FloorReading = { packages: [], rss: [] };
    const withPackages: FloorReading = { packages, rss: [] };
    // Each package left out in turn: what it adds on top of all the others.
    const leftOut = packages.map((p) => {
      const rest = packages.filter((q) => q !== p);
      const reading: FloorReading = { packages: rest, rss: [] };
      return { reading, file: script(`without-${p}`, rest) };
    });
    for (let i = 0; i < runs; i++) {
      alone.rss.push(rssOf(none));
      withPackages.rss.push(rssOf(all));
      for (const l of leftOut) l.reading.rss.push(rssOf(l.file));
    }
    return { alone, withPackages, leftOut: leftOut.map((l) => l.reading) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** One line per reading, RSS in MiB: what bench/memory-breakdown.ts prints and docs/MEMORY.md quotes. */
export function floorLines(f: ReturnType<typeof dependencyFloor>): string[] {
  const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
  const runs = (r: FloorReading) => r.rss.map(mib).join(', ');
  const all = median(f.withPackages.rss);
  return [
    `node alone, launcher flags: ${runs(f.alone)} MiB RSS`,
    `node + ${f.withPackages.packages.join(', ')} imported, nothing of ours: ${runs(f.withPackages)} MiB RSS`,
    ...f.leftOut.map((l) => {
      const gone = f.withPackages.packages.find((p) => !l.packages.includes(p));
      return `  without ${gone}: ${runs(l)} MiB RSS (it adds ${mib(all - median(l.rss))} MiB, medians)`;
    }),
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
  const packages = process.argv.slice(2);
  if (packages.length === 0) throw new Error('usage: npx tsx bench/lib/dependency-floor.ts <package> …');
  const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');
  for (const line of floorLines(dependencyFloor(cli, root, packages))) console.log(line);
}
