/** What executing and rolling back a plan needs, resolved from ApplyOptions with defaults. */
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Db } from '../pg/pool.js';
import type { AutoConfFile, RestartFn } from './types.js';
import { waitReady } from './wait.js';

export interface ExecuteContext {
  restart?: RestartFn;
  readyTimeoutMs: number;
  verifyTimeoutMs: number;
  pollIntervalMs: number;
  connectionUrl?: string;
  autoConfFile?: AutoConfFile;
  log: Logger;
  signal?: AbortSignal;
}

/** Prefix a message with `apply: <step>: ` unless it already names the component. */
export function stepMessage(step: string, err: unknown): string {
  const msg = errorMessage(err);
  return msg.startsWith('apply: ') ? msg : `apply: ${step}: ${msg}`;
}

/** Call the restart function, bounded by readyTimeoutMs; failures name the step. */
export async function runRestart(ctx: ExecuteContext, step: string): Promise<void> {
  if (!ctx.restart) throw new Error(`apply: ${step}: no restart method is configured`);
  try {
    await ctx.restart(AbortSignal.timeout(ctx.readyTimeoutMs));
  } catch (err) {
    throw new Error(stepMessage(step, err), { cause: err });
  }
}

export async function restartAndWait(db: Db, ctx: ExecuteContext, step: string): Promise<void> {
  await runRestart(ctx, step);
  const up = await waitReady(db, {
    connectionUrl: ctx.connectionUrl,
    timeoutMs: ctx.readyTimeoutMs,
    intervalMs: ctx.pollIntervalMs,
  });
  if (!up)
    throw new Error(`apply: ${step}: PostgreSQL did not accept connections within ${ctx.readyTimeoutMs} ms`);
}
