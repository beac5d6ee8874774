/**
 * A demo workload: the dataset it needs and the driver that puts its load on the server. The demo
 * (run-demo.ts), bench/knob-effects.ts and the tests reach every workload through the registry in
 * ./index.ts, never by name.
 */
import type { Logger } from '../../../log.js';
import type { PgConnection } from '../pgbench.js';
import type { Workload } from '../workload.js';

/** How the load is generated: pgbench, or the built-in Node.js driver (no pgbench needed). */
export type DriverKind = 'pgbench' | 'builtin';

export interface SetupContext {
  /** postgres://… of the database to fill. */
  readonly url: string;
  readonly connection: PgConnection;
  readonly scale: number;
  /** pgbench binary when the chosen driver is pgbench, else null. */
  readonly pgbench: string | null;
  readonly signal?: AbortSignal;
}

export interface DriverContext {
  readonly url: string;
  readonly connection: PgConnection;
  readonly driver: DriverKind;
  /** pgbench binary; set when `driver` is 'pgbench'. */
  readonly pgbench: string | null;
  readonly scale: number;
  /** Clients of the workload's main (first) class; the other classes have their own fixed count. */
  readonly clients: number;
  /** Upper bound for the whole load (pgbench -T); the demo stops it earlier. */
  readonly durationSeconds: number;
  readonly log?: Logger;
}

/** One class of clients as report.json describes it. */
export interface ClassPlan {
  readonly name: string;
  readonly clients: number;
  /** Script files (pgbench `-f name@weight`) or the built-in script the class runs. */
  readonly scripts: readonly string[];
  /** Fixed arrival rate (transactions/s, pgbench -R), or null for as fast as the clients go. */
  readonly rate: number | null;
  /** Pause per client between transactions (ms), or 0. */
  readonly think_ms: number;
}

export interface WorkloadSpec {
  readonly id: string;
  /** One line for --help and the demo's output. */
  readonly title: string;
  /** Objective the demo tunes for unless --objective says otherwise (src/embedded/tuner/objectives.ts). */
  readonly defaultObjective: string;
  /** Dataset scale for the full demo and for --quick, sized for their time budgets. */
  readonly scale: { readonly full: number; readonly quick: number };
  /** Drivers that can run it, preferred first. */
  readonly drivers: readonly DriverKind[];
  /** Create and fill the tables (replacing existing ones). */
  setup(ctx: SetupContext): Promise<void>;
  /** The classes of clients for `clients` main-class clients (for report.json). */
  classes(scale: number, clients: number): ClassPlan[];
  /** The load, not started. */
  driver(ctx: DriverContext): Workload;
}
