/**
 * Phase 2 of bench/tuner-quality.ts: several configurations on ONE cluster, measured with pgbench
 * in interleaved rounds (A B C, C B A, A B C, …). Each run: ALTER SYSTEM RESET ALL, ALTER SYSTEM SET
 * the configuration's knobs (base units), restart, check pg_settings, warm up, measure.
 */
import { DEFAULT_MAJOR, startCluster, type PgCluster } from '../../src/embedded/cluster.js';
import { DEMO_SETTINGS } from '../../src/embedded/demo/cluster-setup.js';
import { pgbenchInit, pgbenchRun } from './pgbench.js';
import { cpuShares, readCpuTimes } from './proc.js';

export type KnobMap = Record<string, number | string>;

export interface NamedConfig {
  key: string;
  label: string;
  knobs: KnobMap;
}

export interface ComparePlan {
  rounds: number;
  clients: number;
  threads: number;
  warmupSeconds: number;
  measureSeconds: number;
}

export interface CompareRun {
  key: string;
  round: number;
  tps: number;
  latencyMs: number;
  /** WAL written during the measured run (pg_current_wal_lsn difference), bytes. */
  walBytes: number;
  /** Checkpoints that started during the measured run (pg_stat_bgwriter / pg_stat_checkpointer). */
  checkpoints: number;
  /** Machine-wide CPU shares over the measured run (all processes, this VM): %. Absent in older results. */
  cpu?: { busyPct: number; iowaitPct: number; stealPct: number };
  /**
   * Runs on a registered workload (bench/lib/workload-compare.ts): the objective's value (its unit),
   * and what each class of clients completed. Absent in pgbench-only runs.
   */
  objective?: number;
  classes?: { name: string; transactions: number; latencyMs: number | null }[];
  startedAt: string;
}

/** Effective value after the restart: pg_settings.setting and unit. */
export interface Effective {
  setting: string;
  unit: string | null;
}

export interface CompareOutcome {
  order: string[];
  runs: CompareRun[];
  /** Per configuration: the pg_settings value of every knob any configuration sets. */
  effective: Record<string, Record<string, Effective>>;
  /** Knobs whose effective value differs from the requested one (should be empty). */
  mismatches: string[];
}

export interface CompareCluster {
  cluster: PgCluster;
  /** SHOW server_version. */
  version: string;
  maxConnections: number;
}

/**
 * The cluster configurations are compared on: the demo's major and settings (fsync on), loaded with
 * `pgbench -i -s <scale>`. The caller destroys it.
 */
export async function startCompareCluster(
  scale: number,
  log: (msg: string) => void,
): Promise<CompareCluster> {
  const cluster = await startCluster({ major: DEFAULT_MAJOR, settings: DEMO_SETTINGS });
  try {
    const shown = (await cluster.sql('SHOW server_version'))[0]?.server_version;
    const version = typeof shown === 'string' ? shown : '';
    const maxConnections = Number((await cluster.sql('SHOW max_connections'))[0]?.max_connections);
    log(`PostgreSQL ${version}, loading pgbench scale ${scale}…`);
    await pgbenchInit(cluster, scale);
    return { cluster, version, maxConnections };
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
}

/** Round r runs the configurations forwards when r is even, backwards when odd. */
export function interleavedOrder(keys: readonly string[], rounds: number): { key: string; round: number }[] {
  const out: { key: string; round: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const seq = r % 2 === 0 ? keys : [...keys].reverse();
    for (const key of seq) out.push({ key, round: r });
  }
  return out;
}

const quoteLiteral = (v: string): string => `'${v.replace(/'/g, "''")}'`;
const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_.]*$/.test(name)) throw new Error(`tuner-quality: odd setting name ${name}`);
  return name;
};

export async function applyConfig(cluster: PgCluster, knobs: KnobMap): Promise<void> {
  await cluster.sql('ALTER SYSTEM RESET ALL');
  for (const [name, value] of Object.entries(knobs)) {
    // A bare number is read in the setting's base unit, which is what the configs carry.
    await cluster.sql(`ALTER SYSTEM SET ${ident(name)} = ${quoteLiteral(String(value))}`);
  }
  await cluster.restart();
}

export async function readEffective(
  cluster: PgCluster,
  names: readonly string[],
): Promise<Record<string, Effective & { pending: boolean }>> {
  if (names.length === 0) return {};
  const list = names.map(quoteLiteral).join(', ');
  const rows = await cluster.sql(
    `SELECT name, setting, unit, pending_restart FROM pg_settings WHERE name IN (${list})`,
  );
  return Object.fromEntries(
    rows.map((r) => [
      String(r.name),
      {
        setting: String(r.setting),
        unit: typeof r.unit === 'string' ? r.unit : null,
        pending: r.pending_restart === true,
      },
    ]),
  );
}

export function sameValue(requested: number | string, setting: string): boolean {
  if (typeof requested === 'number')
    return Math.abs(Number(setting) - requested) <= 1e-9 * Math.abs(requested);
  return requested === setting;
}

/** The current WAL insert position and the number of checkpoints started so far (timed + requested). */
export async function walPosition(cluster: PgCluster): Promise<{ lsn: bigint; checkpoints: number }> {
  // PostgreSQL 17 moved the checkpoint counters from pg_stat_bgwriter to pg_stat_checkpointer.
  const counters =
    cluster.major >= 17
      ? 'SELECT num_timed + num_requested AS n FROM pg_stat_checkpointer'
      : 'SELECT checkpoints_timed + checkpoints_req AS n FROM pg_stat_bgwriter';
  const [lsn] = await cluster.sql(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS b`);
  const [cp] = await cluster.sql(counters);
  return { lsn: BigInt(String(lsn?.b).split('.')[0] ?? '0'), checkpoints: Number(cp?.n) };
}

export async function compareConfigs(
  cluster: PgCluster,
  configs: readonly NamedConfig[],
  plan: ComparePlan,
  log: (msg: string) => void,
  signal?: AbortSignal,
): Promise<CompareOutcome> {
  const names = [...new Set(configs.flatMap((c) => Object.keys(c.knobs)))].sort();
  const byKey = new Map(configs.map((c) => [c.key, c]));
  const schedule = interleavedOrder(
    configs.map((c) => c.key),
    plan.rounds,
  );
  const runs: CompareRun[] = [];
  const effective: Record<string, Record<string, Effective>> = {};
  const mismatches = new Set<string>();
  for (const [i, step] of schedule.entries()) {
    if (signal?.aborted) throw new Error('tuner-quality: interrupted');
    const config = byKey.get(step.key);
    if (!config) throw new Error(`tuner-quality: no configuration ${step.key}`);
    await applyConfig(cluster, config.knobs);
    const eff = await readEffective(cluster, names);
    for (const [name, want] of Object.entries(config.knobs)) {
      const got = eff[name];
      if (!got || got.pending || !sameValue(want, got.setting)) {
        mismatches.add(`${config.key}.${name}: wanted ${want}, got ${got?.setting ?? 'nothing'}`);
      }
    }
    effective[config.key] = Object.fromEntries(
      Object.entries(eff).map(([n, e]) => [n, { setting: e.setting, unit: e.unit }]),
    );
    const common = { clients: plan.clients, threads: plan.threads };
    await pgbenchRun(cluster, { ...common, seconds: plan.warmupSeconds }, signal);
    const startedAt = new Date().toISOString();
    const before = await walPosition(cluster);
    const cpuBefore = readCpuTimes();
    const r = await pgbenchRun(cluster, { ...common, seconds: plan.measureSeconds }, signal);
    const cpuAfter = readCpuTimes();
    const after = await walPosition(cluster);
    runs.push({
      key: config.key,
      round: step.round,
      tps: r.tps,
      latencyMs: r.latencyMs,
      walBytes: Number(after.lsn - before.lsn),
      checkpoints: after.checkpoints - before.checkpoints,
      ...(cpuBefore && cpuAfter ? { cpu: cpuShares(cpuBefore, cpuAfter) } : {}),
      startedAt,
    });
    log(
      `run ${i + 1}/${schedule.length} round ${step.round + 1} ${config.label}: ${r.tps.toFixed(1)} tps, ` +
        `${r.latencyMs.toFixed(2)} ms`,
    );
  }
  return { order: schedule.map((s) => s.key), runs, effective, mismatches: [...mismatches] };
}
