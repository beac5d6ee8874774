/**
 * The agent-loop endpoints as the client sends them (docs/PROTOCOL.md §1.3): method, path after
 * `/api/v1/agent/`, gzip, the status codes the Go agent accepts, and which deadline applies.
 * The recommendation GET and raw-logs have their own rules and live in client.ts.
 */

export interface PlatformDeadlines {
  /** Heartbeat (the Go agent's 12 s context). */
  heartbeatMs: number;
  /** Catalog sends (the Go agent's 30 s context). */
  catalogMs: number;
  /** Every other call (the Go agent has none; ours is 60 s). */
  defaultMs: number;
  /** Raw-log forwarding: one attempt (the Go hook's 5 s http.Client timeout). */
  rawLogsMs: number;
}

export const DEFAULT_DEADLINES: PlatformDeadlines = {
  heartbeatMs: 12_000,
  catalogMs: 30_000,
  defaultMs: 60_000,
  rawLogsMs: 5_000,
};

const only =
  (...codes: number[]) =>
  (status: number): boolean =>
    codes.includes(status);

/** A JSON upload: method, path, gzip, accepted statuses and which deadline applies (§1.3). */
export interface Upload {
  method: 'POST' | 'PUT';
  path: string;
  gzip: boolean;
  accept: (status: number) => boolean;
  deadline: keyof PlatformDeadlines;
}

export const HEARTBEAT: Upload = {
  method: 'POST',
  path: 'heartbeat',
  gzip: false,
  accept: only(204),
  deadline: 'heartbeatMs',
};
export const METRICS: Upload = {
  method: 'POST',
  path: 'metrics',
  gzip: false,
  accept: only(204),
  deadline: 'defaultMs',
};
export const SYSTEM_INFO: Upload = {
  method: 'PUT',
  path: 'system-info',
  gzip: false,
  accept: only(204, 200),
  deadline: 'defaultMs',
};
export const ACTIVE_CONFIG: Upload = {
  method: 'POST',
  path: 'configurations',
  gzip: true,
  accept: only(204, 201),
  deadline: 'defaultMs',
};
export const GUARDRAILS: Upload = {
  method: 'POST',
  path: 'guardrails',
  gzip: false,
  accept: only(204, 200),
  deadline: 'defaultMs',
};
// any 2xx since #171
export const LOG_ENTRIES: Upload = {
  method: 'POST',
  path: 'log-entries',
  gzip: false,
  accept: (s) => s >= 200 && s < 300,
  deadline: 'defaultMs',
};
export const catalogUpload = (name: string): Upload => ({
  method: 'POST',
  path: name,
  gzip: true,
  accept: only(204, 200),
  deadline: 'catalogMs',
});
