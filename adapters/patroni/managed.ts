/**
 * Parameters Patroni owns. Patroni writes them itself (replication wiring, recovery, addresses), or
 * requires them to be equal on every member and changes them in an order it controls (max_connections
 * and the other "parameters controlled by Patroni"). The agent neither reports them in the active
 * configuration nor changes them: a proposal's managed knobs are skipped, with a warning.
 * https://patroni.readthedocs.io/en/latest/patroni_configuration.html#important-rules
 */
export const PATRONI_MANAGED: ReadonlySet<string> = new Set([
  // Replication and recovery wiring (Patroni writes these per member).
  'hot_standby',
  'in_hot_standby',
  'primary_conninfo',
  'primary_slot_name',
  'recovery_min_apply_delay',
  'synchronous_standby_names',
  'transaction_read_only',
  'restore_command',
  'archive_cleanup_command',
  'recovery_end_command',
  'recovery_target',
  'recovery_target_action',
  'recovery_target_inclusive',
  'recovery_target_lsn',
  'recovery_target_name',
  'recovery_target_time',
  'recovery_target_timeline',
  'recovery_target_xid',
  'promote_trigger_file',
  // Equal on every member, changed by Patroni in its own restart order.
  'max_connections',
  'max_locks_per_transaction',
  'max_worker_processes',
  'max_prepared_transactions',
  'track_commit_timestamp',
  'wal_level',
  'max_wal_senders',
  'max_replication_slots',
  'wal_keep_segments',
  'wal_keep_size',
  'wal_log_hints',
  // Addresses and files from patroni.yml.
  'cluster_name',
  'listen_addresses',
  'port',
  'data_directory',
  'config_file',
  'hba_file',
  'ident_file',
]);

export function isManaged(name: string): boolean {
  return PATRONI_MANAGED.has(name.trim().toLowerCase());
}
