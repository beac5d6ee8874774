/**
 * The agent's closed set of typed errors. `code` is the stable wire string sent as `error_type`
 * in `log-entries` payloads (the Go agent's ErrorType() values), so the platform can act on it.
 */
export const ERROR_CODES = [
  'restart_not_allowed',
  'config_apply_error',
  'default_parameter_group',
  'failover_detected',
  'standby_node_detected',
  'config_invalid',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AgentError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}

export class RestartNotAllowedError extends AgentError {
  constructor(message: string) {
    super('restart_not_allowed', message);
    this.name = 'RestartNotAllowedError';
  }
}

export class ConfigApplyError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config_apply_error', message, options);
    this.name = 'ConfigApplyError';
  }
}

export class DefaultParameterGroupError extends AgentError {
  constructor(group: string) {
    super(
      'default_parameter_group',
      `cannot apply config: instance uses default parameter group "${group}" which AWS does not allow modifying`,
    );
    this.name = 'DefaultParameterGroupError';
  }
}

/**
 * The primary changed (CloudNativePG, Patroni). `fresh` is true exactly once per failover, when it
 * is first seen: the agent reports it to the platform then. While the cluster recovers the adapter
 * keeps throwing it with `fresh: false`, and the agent skips applies quietly.
 */
export class FailoverDetectedError extends AgentError {
  readonly fresh: boolean;
  constructor(message: string, opts: { fresh: boolean; cause?: unknown }) {
    super('failover_detected', message, { cause: opts.cause });
    this.name = 'FailoverDetectedError';
    this.fresh = opts.fresh;
  }
}

/** The node is a standby (Patroni): the agent must not change settings through it. */
export class StandbyNodeError extends AgentError {
  constructor(message: string) {
    super('standby_node_detected', message);
    this.name = 'StandbyNodeError';
  }
}

/** Bad configuration or bad usage: the CLI exits 2. */
export class ConfigError extends AgentError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('config_invalid', problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function errorCode(err: unknown): ErrorCode {
  return err instanceof AgentError ? err.code : 'config_apply_error';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
