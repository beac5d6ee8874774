/**
 * What `/readyz` answers: ready when the agent runs, the database is reachable (the health gate
 * is open) and the platform answered its last call. A platform that rejected one request (4xx)
 * is reachable; one that timed out, refused the connection or answered 5xx is not
 * (PlatformError.transient). Kubernetes takes a pod out of service while it is unready
 * (https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/).
 */
import type { CallOutcome } from '../platform/client.js';

export interface ReadinessReport {
  ready: boolean;
  checks: {
    agent: 'starting' | 'running' | 'reloading';
    database: 'reachable' | 'unreachable' | 'unknown';
    platform: 'reachable' | 'unreachable' | 'unknown';
  };
}

/** The running agent's health gate, as the readiness check sees it. */
export interface GateView {
  readonly isOpen: boolean;
}

export class Readiness {
  private platformUp: boolean | undefined;
  private gate: GateView | undefined;
  private phase: ReadinessReport['checks']['agent'] = 'starting';

  /** A session started running (or stopped: undefined). */
  attach(gate: GateView | undefined, phase: ReadinessReport['checks']['agent']): void {
    this.gate = gate;
    this.phase = phase;
  }

  platformCall(o: CallOutcome): void {
    this.platformUp = o.ok || !o.transient;
  }

  gateOpen(): boolean | undefined {
    return this.gate?.isOpen;
  }

  report(): ReadinessReport {
    const open = this.gate?.isOpen;
    const checks: ReadinessReport['checks'] = {
      agent: this.phase,
      database: open === undefined ? 'unknown' : open ? 'reachable' : 'unreachable',
      platform: this.platformUp === undefined ? 'unknown' : this.platformUp ? 'reachable' : 'unreachable',
    };
    const ready =
      checks.agent === 'running' && checks.database === 'reachable' && checks.platform === 'reachable';
    return { ready, checks };
  }
}
