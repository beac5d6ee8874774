/**
 * Where a workload's script files are: next to its module, `<workload>/<file>`. The build copies
 * them from src/ to dist/src/ (package.json `build`), so the same relative path works under tsx and
 * in the built CLI.
 */
import { fileURLToPath } from 'node:url';

export function scriptPath(workload: string, file: string): string {
  return fileURLToPath(new URL(`./${workload}/${file}`, import.meta.url));
}

/** `name@weight` → the file name and its pgbench weight (1 when none is given). */
export function splitWeight(script: string): { file: string; weight: number } {
  const at = script.lastIndexOf('@');
  if (at < 0) return { file: script, weight: 1 };
  return { file: script.slice(0, at), weight: Number(script.slice(at + 1)) };
}
