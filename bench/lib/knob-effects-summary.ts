/** What bench/knob-effects.ts says is reachable, in the form tuner-quality's reading quotes it. */
import type { KnobEffectsData } from '../knob-effects.js';
import { summarize } from './stats.js';

/** Configurations that exist only as reference points, never as something the tuner may propose. */
export const NOT_TUNABLE = new Set(['async_commit']);

export interface Reachable {
  /** Date of the knob-effects run (YYYY-MM-DD HH:MM UTC). */
  startedAt: string;
  pgVersion: string;
  /** Best median-TPS ratio vs defaults among tunable configurations, and its label. */
  best: { ratio: number; label: string };
  /** The WAL-only configuration: its ratio and the WAL per minute it and the defaults wrote (MiB). */
  wal: { ratio: number; walMiB: number; defaultsWalMiB: number } | null;
  /** synchronous_commit off (not tunable): an upper bound. */
  upperBound: number | null;
  /** Machine CPU busy share under the defaults (median %), when recorded. */
  defaultsBusyPct: number | null;
}

export function reachable(d: KnobEffectsData, startedAt: string): Reachable | null {
  const runsOf = (key: string) => d.outcome.runs.filter((r) => r.key === key);
  const median = (xs: number[]) => summarize(xs).median;
  const base = median(runsOf('defaults').map((r) => r.tps));
  if (!(base > 0)) return null;
  const ratioOf = (key: string) => median(runsOf(key).map((r) => r.tps)) / base;
  const walOf = (key: string) =>
    median(runsOf(key).map((r) => (r.walBytes / d.plan.measureSeconds) * 60)) / 1024 ** 2;
  let best = { ratio: 1, label: 'PostgreSQL defaults' };
  for (const c of d.configs) {
    if (c.key === 'defaults' || NOT_TUNABLE.has(c.key) || runsOf(c.key).length === 0) continue;
    const r = ratioOf(c.key);
    if (r > best.ratio) best = { ratio: r, label: c.label };
  }
  const busy = runsOf('defaults').flatMap((r) => (r.cpu ? [r.cpu.busyPct] : []));
  return {
    startedAt: startedAt.slice(0, 16).replace('T', ' '),
    pgVersion: d.pgVersion,
    best,
    wal: runsOf('wal').length
      ? { ratio: ratioOf('wal'), walMiB: walOf('wal'), defaultsWalMiB: walOf('defaults') }
      : null,
    upperBound: runsOf('async_commit').length ? ratioOf('async_commit') : null,
    defaultsBusyPct: busy.length ? median(busy) : null,
  };
}
