/**
 * The RSS below which the installed agent cannot go while it uses its runtime dependencies: `node`
 * started with the launcher's flags and environment (the built CLI's `#!/usr/bin/env -S` line),
 * importing the given packages and nothing of ours, then idle for a moment. Compared with the same
 * process importing nothing, it says what the dependencies cost before the agent runs a line.
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
): { alone: FloorReading; withPackages: FloorReading } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-floor-'));
  try {
    const script = (list: readonly string[]) => {
      const file = path.join(dir, `probe-${list.length}.mjs`);
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
    const none = script([]);
    const all = script(packages);
    const alone: FloorReading = { packages: [], rss: [] };
    const withPackages: FloorReading = { packages, rss: [] };
    for (let i = 0; i < runs; i++) {
      alone.rss.push(rssOf(none));
      withPackages.rss.push(rssOf(all));
    }
    return { alone, withPackages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
