/** bench/tuner-quality.ts result: the raw runs plus medians, per-round ratios and noise. */
import type { SystemInfo } from '../../src/embedded/tuner/catalogue.js';
import type { CompareOutcome, ComparePlan, NamedConfig } from './config-compare.js';
import { spreadPct, summarize, type Summary } from './stats.js';
import type { SessionOutcome } from './tuner-session.js';

export const TARGET_VS_DEFAULTS = 1.25;

export interface CompareData {
  pgVersion: string;
  scale: number;
  plan: ComparePlan;
  pgtuneInfo: SystemInfo;
  configs: NamedConfig[];
  outcome: CompareOutcome;
}

export interface RatioStats {
  /** Ratio of the two medians. */
  ofMedians: number;
  /** Ratios of the runs paired by round (same position in time): median, min, max. */
  paired: Summary;
}

export interface TunerQualityData {
  session: SessionOutcome;
  compare: CompareData;
  tps: Record<string, Summary>;
  /** Half the min–max spread of repeated runs of one configuration, % of its median. */
  noisePct: Record<string, number>;
  ratios: { tunerVsDefaults: RatioStats; tunerVsPgtune: RatioStats; pgtuneVsDefaults: RatioStats };
  met: { vsDefaults: boolean; vsPgtune: boolean };
}

function tpsByRound(o: CompareOutcome, key: string): Map<number, number> {
  return new Map(o.runs.filter((r) => r.key === key).map((r) => [r.round, r.tps]));
}

function ratio(o: CompareOutcome, tps: Record<string, Summary>, num: string, den: string): RatioStats {
  const a = tpsByRound(o, num);
  const b = tpsByRound(o, den);
  const paired: number[] = [];
  for (const [round, x] of a) {
    const y = b.get(round);
    if (y !== undefined && y > 0) paired.push(x / y);
  }
  const n = tps[num]?.median ?? Number.NaN;
  const d = tps[den]?.median ?? Number.NaN;
  return { ofMedians: n / d, paired: summarize(paired) };
}

export function summarizeQuality(session: SessionOutcome, compare: CompareData): TunerQualityData {
  const tps: Record<string, Summary> = {};
  const noisePct: Record<string, number> = {};
  for (const c of compare.configs) {
    const s = summarize(compare.outcome.runs.filter((r) => r.key === c.key).map((r) => r.tps));
    tps[c.key] = s;
    noisePct[c.key] = spreadPct(s);
  }
  const o = compare.outcome;
  const ratios = {
    tunerVsDefaults: ratio(o, tps, 'tuner', 'defaults'),
    tunerVsPgtune: ratio(o, tps, 'tuner', 'pgtune'),
    pgtuneVsDefaults: ratio(o, tps, 'pgtune', 'defaults'),
  };
  return {
    session,
    compare,
    tps,
    noisePct,
    ratios,
    met: {
      vsDefaults: ratios.tunerVsDefaults.ofMedians >= TARGET_VS_DEFAULTS,
      vsPgtune: ratios.tunerVsPgtune.ofMedians > 1,
    },
  };
}
