/**
 * The workloads' pgbench scripts: files next to the workload modules, named relative to this
 * directory (`mixed/transfer.sql`), so one workload may run another's scripts. The build copies
 * them from src/ to dist/src/ (package.json `build`), so the same path works under tsx and in the
 * built CLI.
 */
import { fileURLToPath } from 'node:url';
import { PgbenchWorkload } from '../pgbench.js';
import { ClassedWorkload, type Workload } from '../workload.js';
import type { ClassPlan, DriverContext } from './types.js';

export function scriptPath(file: string): string {
  return fileURLToPath(new URL(`./${file}`, import.meta.url));
}

/** `name@weight` → the file name and its pgbench weight (1 when none is given). */
export function splitWeight(script: string): { file: string; weight: number } {
  const at = script.lastIndexOf('@');
  if (at < 0) return { file: script, weight: 1 };
  return { file: script.slice(0, at), weight: Number(script.slice(at + 1)) };
}

/** The pgbench arguments that make a class run its scripts on data of `scale`. */
export function pgbenchScriptArgs(c: ClassPlan, scale: number): string[] {
  return [
    '-D',
    `scale=${scale}`,
    ...(c.rate === null ? [] : ['-R', String(c.rate)]),
    ...(c.think_ms > 0 ? ['-D', `think_ms=${c.think_ms}`] : []),
    ...c.scripts.flatMap((s) => ['-f', scriptPath(s)]),
  ];
}

/** One pgbench per class, each with its own clients and sessions named `dbtune-demo-<class>`. */
export function pgbenchClasses(classes: readonly ClassPlan[], ctx: DriverContext, id: string): Workload {
  if (ctx.driver !== 'pgbench' || !ctx.pgbench)
    throw new Error(`demo: the ${id} workload runs on pgbench only`);
  const bin = ctx.pgbench;
  return new ClassedWorkload(
    'pgbench',
    classes.map((c) => ({
      name: c.name,
      load: new PgbenchWorkload({
        bin,
        connection: ctx.connection,
        clients: c.clients,
        durationSeconds: ctx.durationSeconds,
        script: pgbenchScriptArgs(c, ctx.scale),
        thinkMs: c.think_ms,
        applicationName: `dbtune-demo-${c.name}`,
        log: ctx.log,
      }),
    })),
  );
}
