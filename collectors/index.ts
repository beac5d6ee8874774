/**
 * The catalog collector registry: every collector, keyed by its endpoint name (alphabetical).
 * `collectors/index.test.ts` checks that it matches the files of this folder.
 */
import type { CollectorDefinition } from './types.js';
import { autovacuumCount } from './autovacuum-count.js';
import { databaseConnections } from './database-connections.js';
import { databaseTransactions } from './database-transactions.js';
import { ddl } from './ddl.js';
import { pgAttribute } from './pg-attribute.js';
import { pgClass } from './pg-class.js';
import { pgConstraint } from './pg-constraint.js';
import { pgDatabase } from './pg-database.js';
import { pgIndex } from './pg-index.js';
import { pgIndexInventory } from './pg-index-inventory.js';
import { pgLocks } from './pg-locks.js';
import { pgPreparedXacts } from './pg-prepared-xacts.js';
import { pgReplicationSlots } from './pg-replication-slots.js';
import { pgStatActivity } from './pg-stat-activity.js';
import { pgStatArchiver } from './pg-stat-archiver.js';
import { pgStatBgwriter } from './pg-stat-bgwriter.js';
import { pgStatCheckpointer } from './pg-stat-checkpointer.js';
import { pgStatDatabase } from './pg-stat-database.js';
import { pgStatDatabaseConflicts } from './pg-stat-database-conflicts.js';
import { pgStatIo } from './pg-stat-io.js';
import { pgStatProgressAnalyze } from './pg-stat-progress-analyze.js';
import { pgStatProgressCreateIndex } from './pg-stat-progress-create-index.js';
import { pgStatProgressVacuum } from './pg-stat-progress-vacuum.js';
import { pgStatRecoveryPrefetch } from './pg-stat-recovery-prefetch.js';
import { pgStatReplication } from './pg-stat-replication.js';
import { pgStatReplicationSlots } from './pg-stat-replication-slots.js';
import { pgStatSlru } from './pg-stat-slru.js';
import { pgStatStatements } from './pg-stat-statements/index.js';
import { pgStatSubscription } from './pg-stat-subscription.js';
import { pgStatSubscriptionStats } from './pg-stat-subscription-stats.js';
import { pgStatUserFunctions } from './pg-stat-user-functions.js';
import { pgStatUserIndexes } from './pg-stat-user-indexes.js';
import { pgStatUserTables } from './pg-stat-user-tables.js';
import { pgStatWal } from './pg-stat-wal.js';
import { pgStatWalReceiver } from './pg-stat-wal-receiver.js';
import { pgStatioUserIndexes } from './pg-statio-user-indexes.js';
import { pgStatioUserTables } from './pg-statio-user-tables.js';
import { pgStats } from './pg-stats.js';
import { pgType } from './pg-type.js';
import { serverUptime } from './server-uptime.js';
import { systemDbSize } from './system-db-size.js';
import { waitEvents } from './wait-events.js';

// Each definition has its own options type; the registry holds them behind the common contract.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCollector = CollectorDefinition<any>;

export const COLLECTORS: Readonly<Record<string, AnyCollector>> = {
  autovacuum_count: autovacuumCount,
  database_connections: databaseConnections,
  database_transactions: databaseTransactions,
  ddl,
  pg_attribute: pgAttribute,
  pg_class: pgClass,
  pg_constraint: pgConstraint,
  pg_database: pgDatabase,
  pg_index: pgIndex,
  pg_index_inventory: pgIndexInventory,
  pg_locks: pgLocks,
  pg_prepared_xacts: pgPreparedXacts,
  pg_replication_slots: pgReplicationSlots,
  pg_stat_activity: pgStatActivity,
  pg_stat_archiver: pgStatArchiver,
  pg_stat_bgwriter: pgStatBgwriter,
  pg_stat_checkpointer: pgStatCheckpointer,
  pg_stat_database: pgStatDatabase,
  pg_stat_database_conflicts: pgStatDatabaseConflicts,
  pg_stat_io: pgStatIo,
  pg_stat_progress_analyze: pgStatProgressAnalyze,
  pg_stat_progress_create_index: pgStatProgressCreateIndex,
  pg_stat_progress_vacuum: pgStatProgressVacuum,
  pg_stat_recovery_prefetch: pgStatRecoveryPrefetch,
  pg_stat_replication: pgStatReplication,
  pg_stat_replication_slots: pgStatReplicationSlots,
  pg_stat_slru: pgStatSlru,
  pg_stat_statements: pgStatStatements,
  pg_stat_subscription: pgStatSubscription,
  pg_stat_subscription_stats: pgStatSubscriptionStats,
  pg_stat_user_functions: pgStatUserFunctions,
  pg_stat_user_indexes: pgStatUserIndexes,
  pg_stat_user_tables: pgStatUserTables,
  pg_stat_wal: pgStatWal,
  pg_stat_wal_receiver: pgStatWalReceiver,
  pg_statio_user_indexes: pgStatioUserIndexes,
  pg_statio_user_tables: pgStatioUserTables,
  pg_stats: pgStats,
  pg_type: pgType,
  server_uptime: serverUptime,
  system_db_size: systemDbSize,
  wait_events: waitEvents,
};

/**
 * Start order of the steady-state loop (docs/PROTOCOL.md §3.3 list order): the collector at index i starts
 * i × 200 ms after the first; bootstrap collectors run in this order too (§2.4).
 */
export const COLLECTOR_ORDER: readonly string[] = [
  'autovacuum_count',
  'database_connections',
  'ddl',
  'system_db_size',
  'pg_attribute',
  'pg_constraint',
  'pg_database',
  'pg_index',
  'pg_index_inventory',
  'pg_locks',
  'pg_prepared_xacts',
  'pg_replication_slots',
  'pg_type',
  'pg_stat_activity',
  'pg_stat_archiver',
  'pg_stat_bgwriter',
  'pg_stat_checkpointer',
  'pg_stat_database',
  'pg_stat_database_conflicts',
  'pg_stat_io',
  'pg_stat_progress_analyze',
  'pg_stat_progress_create_index',
  'pg_stat_progress_vacuum',
  'pg_stat_recovery_prefetch',
  'pg_stat_replication',
  'pg_stat_replication_slots',
  'pg_stat_slru',
  'pg_stat_subscription',
  'pg_stat_subscription_stats',
  'pg_stat_user_functions',
  'pg_stat_wal',
  'pg_stat_wal_receiver',
  'pg_statio_user_tables',
  'database_transactions',
  'server_uptime',
  'wait_events',
  'pg_stat_statements',
  'pg_class',
  'pg_stats',
  'pg_stat_user_tables',
  'pg_stat_user_indexes',
  'pg_statio_user_indexes',
];

/** Collectors run once, concurrently, before the steady-state loop starts (docs/PROTOCOL.md §2.4), in start order. */
export const BOOTSTRAP: readonly string[] = COLLECTOR_ORDER.filter(
  (name) => COLLECTORS[name]?.bootstrap === true,
);

/** Definitions in start order. */
export function collectorsInOrder(): AnyCollector[] {
  return COLLECTOR_ORDER.map((name) => {
    const def = COLLECTORS[name];
    if (!def) throw new Error(`collectors: ${name} is in COLLECTOR_ORDER but not registered`);
    return def;
  });
}
