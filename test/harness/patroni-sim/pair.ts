/**
 * Two harness PostgreSQL clusters with streaming replication, for the Patroni simulation: a leader
 * and a standby copied from it (see `standbyOf` in src/embedded/cluster.ts). Start one pair per test
 * file and share it between the tests.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startPostgres, type PgCluster } from '../postgres.js';

export interface ReplicatedPair {
  leader: PgCluster;
  replica: PgCluster;
  destroy(): Promise<void>;
}

/** Resolves when `standby` streams from its primary (pg_stat_wal_receiver), or throws after `timeoutMs`. */
export async function waitStreaming(standby: PgCluster, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const rows = await standby.sql('SELECT status FROM pg_stat_wal_receiver');
      const status = rows[0]?.status;
      last = typeof status === 'string' ? status : 'no wal receiver';
      if (last === 'streaming') return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`replicated pair: standby not streaming: ${last}`);
    await sleep(100);
  }
}

export async function startReplicatedPair(opts: { major?: number } = {}): Promise<ReplicatedPair> {
  const leader = await startPostgres({ major: opts.major });
  let replica: PgCluster | undefined;
  try {
    replica = await startPostgres({ major: opts.major, standbyOf: leader });
    await waitStreaming(replica);
  } catch (err) {
    await replica?.destroy();
    await leader.destroy();
    throw err;
  }
  const standby = replica;
  return {
    leader,
    replica: standby,
    async destroy() {
      await Promise.all([leader.destroy(), standby.destroy()]);
    },
  };
}
