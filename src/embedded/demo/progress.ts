/**
 * Live progress: a cli-progress bar on a terminal (iterations done, phase, current TPS and
 * latency from the workload, best so far); plain lines otherwise (CI logs, pipes), one per phase
 * and per finished iteration.
 */
import cliProgress from 'cli-progress';
import type { IterationReport, SessionStatus } from '../platform/types.js';
import { gainPct, objective, type Objective } from '../tuner/index.js';
import type { LiveRate } from './workload.js';

export interface ProgressView {
  /** A one-off message (setup steps). */
  note(text: string): void;
  /** Session status plus the workload's current rate; called about once a second. */
  update(status: SessionStatus, live: LiveRate | null): void;
  iteration(rec: IterationReport, status: SessionStatus): void;
  stop(): void;
}

const fmtTps = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(0));
// 0 ms means "no latency sample" in the platform's measurements.
const fmtMs = (v: number | null | undefined) =>
  v === null || v === undefined || !(v > 0) ? '–' : v.toFixed(2);

function bestGainPct(id: Objective, status: SessionStatus): number | null {
  const { baseline, best } = status;
  if (!baseline || !best) return null;
  const spec = objective(id);
  return gainPct(spec, spec.value(baseline), spec.value(best));
}

/** `1520 tps / 5.21 ms`, the objective's own metric first. */
function measured(id: Objective, m: { tps: number; latencyMs: number }): string {
  const tps = `${fmtTps(m.tps)} tps`;
  const ms = `${fmtMs(m.latencyMs)} ms`;
  return objective(id).metric === 'latency' ? `${ms} / ${tps}` : `${tps} / ${ms}`;
}

/**
 * `best 1520 tps / 5.21 ms (+12.3%, it. 4)` (a runtime objective leads with the runtime), the
 * baseline's value in the objective's metric before any tuned iteration, or `best –` before that.
 */
export function bestText(status: SessionStatus): string {
  if (!status.best) {
    if (!status.baseline) return 'best –';
    const latency = objective(status.objective).metric === 'latency';
    return latency
      ? `baseline ${fmtMs(status.baseline.latencyMs)} ms`
      : `baseline ${fmtTps(status.baseline.tps)} tps`;
  }
  const gain = bestGainPct(status.objective, status);
  const g =
    gain === null ? '' : ` (${gain >= 0 ? '+' : ''}${gain.toFixed(1)}%, it. ${status.best.iteration})`;
  return `best ${measured(status.objective, status.best)}${g}`;
}

export function phaseText(status: SessionStatus): string {
  const it =
    status.iteration === null
      ? ''
      : ` iteration ${status.iteration}${status.kind ? ` (${status.kind})` : ''}`;
  switch (status.phase) {
    case 'waiting-for-agent':
      return 'waiting for the agent';
    case 'applying':
      return `applying${it}`;
    case 'measuring':
      return status.window?.warmingUp ? `warming up${it}` : `measuring${it}`;
    default:
      return status.phase;
  }
}

/** One line per finished iteration (plain mode, and above the bar on a terminal). */
export function iterationLine(rec: IterationReport, status: SessionStatus): string {
  const m = rec.measurement;
  const value = m ? measured(status.objective, { tps: m.tps, latencyMs: m.latency_ms }) : 'no measurement';
  const done = status.iteration === null ? status.iterations : Math.min(status.iterations, rec.iteration + 1);
  return `[${done}/${status.iterations}] iteration ${rec.iteration} (${rec.kind}): ${value}, ${rec.outcome}${rec.restart ? ', restarted' : ''} · ${bestText(status)}`;
}

export function barPayload(status: SessionStatus, live: LiveRate | null): Record<string, string> {
  return {
    phase: phaseText(status),
    now: live ? `${fmtTps(live.tps)} tps ${fmtMs(live.latencyMs)} ms` : '–',
    best: bestText(status),
  };
}

class BarView implements ProgressView {
  private readonly multi: cliProgress.MultiBar;
  private bar: cliProgress.SingleBar | undefined;

  constructor(private readonly stream: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        format: ' {bar} {value}/{total} | {phase} | now {now} | {best}',
        stream,
        hideCursor: true,
        clearOnComplete: false,
        barsize: 24,
        fps: 4,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  note(text: string): void {
    if (this.bar) this.multi.log(`${text}\n`);
    else this.stream.write(`${text}\n`);
  }

  update(status: SessionStatus, live: LiveRate | null): void {
    const done = status.phase === 'done' ? status.iterations : (status.iteration ?? 0);
    this.bar ??= this.multi.create(status.iterations, 0, barPayload(status, live));
    this.bar.setTotal(status.iterations);
    this.bar.update(done, barPayload(status, live));
  }

  iteration(rec: IterationReport, status: SessionStatus): void {
    this.note(iterationLine(rec, status));
  }

  stop(): void {
    this.multi.stop();
  }
}

class LineView implements ProgressView {
  private lastPhase = '';

  constructor(private readonly write: (text: string) => void) {}

  note(text: string): void {
    this.write(`${text}\n`);
  }

  update(status: SessionStatus): void {
    // Only the applying/measuring transitions: a line a second would drown a CI log.
    const phase = status.phase === 'measuring' && status.window?.warmingUp === false ? phaseText(status) : '';
    if (phase && phase !== this.lastPhase)
      this.write(`  ${phase} for ${objective(status.objective).short}…\n`);
    this.lastPhase = phase || this.lastPhase;
  }

  iteration(rec: IterationReport, status: SessionStatus): void {
    this.write(`${iterationLine(rec, status)}\n`);
  }

  stop(): void {}
}

export function createProgressView(stream: NodeJS.WriteStream, write: (text: string) => void): ProgressView {
  return stream.isTTY ? new BarView(stream) : new LineView(write);
}
