/**
 * The Cloud SQL settings backend: database flags through the SQL Admin API
 * (https://cloud.google.com/sql/docs/postgres/flags#set_a_database_flag). Cloud SQL writes and
 * activates flags in one `instances.patch` operation (restarting the instance itself when a flag
 * requires it), so `write` reads the instance and prepares the merged flag list, and `activate`
 * sends the patch and follows the operation to DONE. The patch therefore runs under the engine's
 * activation deadline, never under the shutdown signal, so a shutdown cannot abandon it halfway.
 * A patch refused because another operation is running (`operationInProgress`) is sent again every
 * poll interval until the deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SettingsBackend } from '../../src/apply/backend.js';
import type { Logger } from '../../src/log.js';
import type { CloudSqlApi, DatabaseFlag, FlagInfo } from './client.js';
import { GoogleCallError } from './errors.js';
import { flagProblems, mergeFlags } from './flags.js';

export interface CloudSqlBackendOptions {
  api: CloudSqlApi;
  databaseVersion: string;
  allowRestart: boolean;
  log: Logger;
  /** Interval for operations.get polls and for re-sending a patch refused as busy (default 1 s). */
  pollIntervalMs?: number;
}

export interface CloudSqlSnapshot {
  flags: DatabaseFlag[];
}

interface PreparedPatch {
  flags: DatabaseFlag[];
  userLabels: Record<string, string>;
}

export function cloudSqlBackend(opts: CloudSqlBackendOptions): SettingsBackend<CloudSqlSnapshot> {
  const { api, databaseVersion, log } = opts;
  const pollMs = opts.pollIntervalMs ?? 1_000;
  let catalog: FlagInfo[] | undefined;
  let pending: PreparedPatch | undefined;
  /** Whether this apply sent a patch (which Cloud SQL may carry out even if the call failed). */
  let sent = false;

  /** Patch, then follow the operation; a deadline reached on the way says which wait it cut short. */
  async function patchAndWait(patch: PreparedPatch, signal: AbortSignal): Promise<void> {
    let waitingFor = 'another operation on the instance to finish (operationInProgress)';
    try {
      const operation = await sendPatch(patch, signal);
      waitingFor = `operation ${operation} to finish`;
      await followOperation(operation, signal);
    } catch (err) {
      if (!signal.aborted) throw err;
      throw new Error(`cloudsql: gave up waiting for ${waitingFor}: the deadline passed`, { cause: err });
    }
  }

  async function sendPatch({ flags, userLabels }: PreparedPatch, signal: AbortSignal): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await api.patchFlags(flags, userLabels, signal);
      } catch (err) {
        if (!(err instanceof GoogleCallError && err.kind === 'busy')) throw err;
        log.info({ attempt }, 'cloud sql instance busy with another operation; patch retried');
        await sleep(pollMs, undefined, { signal });
      }
    }
  }

  async function followOperation(operation: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      const op = await api.getOperation(operation, signal);
      if (op.status === 'DONE') {
        if (op.errors.length) {
          throw new Error(`cloudsql: operation ${operation} failed: ${op.errors.join('; ')}`);
        }
        log.info({ operation }, 'cloud sql flags patch done');
        return;
      }
      await sleep(pollMs, undefined, { signal });
    }
  }

  return {
    id: 'cloudsql-flags',
    canRestart: true,
    async check(plan, signal) {
      catalog ??= await api.listFlags(databaseVersion, signal);
      return flagProblems(plan, catalog, databaseVersion, opts.allowRestart);
    },
    async snapshot(_changes, signal) {
      sent = false;
      const instance = await api.getInstance(signal);
      return { flags: instance.flags };
    },
    async write(changes, signal) {
      const instance = await api.getInstance(signal);
      pending = { flags: mergeFlags(instance.flags, changes), userLabels: instance.userLabels };
    },
    async activate(_mode, _changes, signal) {
      const prepared = pending;
      pending = undefined;
      if (!prepared) throw new Error('cloudsql: activate called without a prepared flag list');
      sent = true;
      await patchAndWait(prepared, signal);
    },
    async restore(snapshot, _attempted, ctx) {
      pending = undefined;
      if (!sent) {
        ctx.log.info({}, 'no cloud sql patch was sent; nothing to restore');
        return;
      }
      // Even when the instance still shows the old flags, the patch's operation may be queued or
      // running (its reply, or a poll, failed). Cloud SQL runs one operation at a time, so the
      // restoring patch waits out operationInProgress and lands after it.
      const instance = await api.getInstance(ctx.signal);
      await patchAndWait({ flags: snapshot.flags, userLabels: instance.userLabels }, ctx.signal);
    },
  };
}
