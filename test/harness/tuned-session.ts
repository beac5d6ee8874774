/**
 * A finished embedded session as `state.json` holds it, produced by the real tuner (TuningSession:
 * PGTune, Bayesian optimisation, guardrails, noise estimate and final decision) against a synthetic,
 * deterministic mixed workload instead of a database: average query runtime falls with `jit = off`,
 * a larger `work_mem` and a lower `random_page_cost`; TPS follows runtime loosely; every measurement
 * carries ~2 % noise and six 5-second samples. Two guardrail hits are injected the way the platform
 * records them: the agent's memory signal before a measurement (no value), and a throughput
 * collapse below DBtune's throughput guardrail, 5 % of the baseline's TPS (measured).
 *
 * For report tests that need a realistic session without spending minutes of wall time on one.
 */
import {
  createRng,
  objective as objectiveSpec,
  TuningSession,
  type Measurement,
} from '../../src/embedded/tuner/index.js';
import { buildSpace, type Config } from '../../src/embedded/tuner/index.js';
import { emptyFacts } from '../../src/embedded/platform/agent-facts.js';
import { initialState, type PersistedState } from '../../src/embedded/platform/state-store.js';
import { PG_DEFAULTS } from '../unit/tuner/fixtures.js';

export interface TunedSessionOptions {
  readonly objective?: string;
  readonly iterations?: number;
  readonly seed?: number;
  /** Iteration at which the agent reports memory pressure (recorded with no measurement). */
  readonly memoryHitAt?: number;
  /** Iteration whose TPS collapses to 4 % (a throughput guardrail hit with a measurement). */
  readonly throughputHitAt?: number;
  /** Scale of the knobs' effect on the workload: 1 as described above, 0 for none (noise only). */
  readonly effect?: number;
}

const MEMORY_BYTES = 16 * 1024 ** 3;
const ITERATION_SECONDS = 30;
const WARMUP_SECONDS = 10;
const STARTED_AT = Date.parse('2026-12-04T07:00:00.000Z');

function num(config: Config, name: string, fallback: number): number {
  const v = config[name];
  return typeof v === 'number' ? v : fallback;
}

/** The synthetic workload's response to a configuration (before noise). */
function response(config: Config, effect: number): { latencyMs: number; tps: number } {
  const jit = config.jit === 'off' ? 0.78 : 1;
  const workMem = 1 - 0.15 * Math.min(1, Math.max(0, Math.log2(num(config, 'work_mem', 4096) / 4096) / 5));
  const rpc = 0.94 + 0.06 * Math.min(1, num(config, 'random_page_cost', 4) / 4);
  const latencyMs = 12 * (jit * workMem * rpc) ** effect;
  return { latencyMs, tps: 900 * (12 / latencyMs) ** 0.3 };
}

export function tunedSessionState(opts: TunedSessionOptions = {}): PersistedState {
  const objective = opts.objective ?? 'latency';
  const iterations = opts.iterations ?? 14;
  const seed = opts.seed ?? 11;
  const memoryHitAt = opts.memoryHitAt ?? 4;
  const throughputHitAt = opts.throughputHitAt ?? 8;
  const facts = {
    ...emptyFacts(),
    memoryBytes: MEMORY_BYTES,
    cpuCount: 4,
    maxConnections: 100,
    pgVersion: '17.10',
    allowRestart: false,
  };
  const space = buildSpace({
    memoryBytes: MEMORY_BYTES,
    cpuCount: 4,
    maxConnections: 100,
    pgMajor: 17,
    restartsAllowed: false,
  });
  const session = new TuningSession({ space, objective, iterations, seed, baseline: PG_DEFAULTS });
  const rng = createRng(seed, 7);
  const metric = objectiveSpec(objective).metric;
  for (let proposal = session.next(); proposal !== null; proposal = session.next()) {
    if (proposal.iteration === memoryHitAt && proposal.kind === 'bo') {
      session.record(proposal.iteration, { guardrail: 'memory' });
      continue;
    }
    const r = response(proposal.config, opts.effect ?? 1);
    const collapse = proposal.iteration === throughputHitAt && proposal.kind === 'bo' ? 0.04 : 1;
    const latencyMs = r.latencyMs * Math.exp(0.02 * rng.normal());
    const tps = r.tps * collapse * Math.exp(0.02 * rng.normal());
    const level = metric === 'latency' ? latencyMs : tps;
    const samples = Array.from({ length: 6 }, () => level * Math.exp(0.03 * rng.normal()));
    const m: Measurement = { tps, latencyMs, samples };
    session.record(proposal.iteration, m);
  }
  const base = initialState(
    { iterations, iterationSeconds: ITERATION_SECONDS, warmupSeconds: WARMUP_SECONDS, objective, seed },
    STARTED_AT,
  );
  const knobMeta = Object.fromEntries(
    session.space.knobs.map((k) => [
      k.name,
      {
        unit: k.unit,
        vartype: k.type === 'int' ? 'integer' : k.type,
        context: k.restart ? 'postmaster' : 'sighup',
      },
    ]),
  );
  return {
    ...base,
    phase: 'done',
    finishedAt: STARTED_AT + iterations * (ITERATION_SECONDS + WARMUP_SECONDS) * 1000,
    facts,
    knobMeta,
    session: session.toJSON(),
    final: session.final(),
  };
}
