/**
 * Which knobs the platform may change.
 *
 * The ALLOWLIST is the default tuning space: performance knobs whose worst case is a slower (or, for
 * memory, an over-committed) server, never a security hole, data loss or a server that cannot
 * start. Operators extend or shrink it with `allowlistAdd` / `allowlistRemove`.
 *
 * The DENYLIST is hard: `allowlistAdd` cannot lift it. It holds every parameter that can run
 * commands, load code, read or write files, open or change network endpoints, change
 * authentication or privilege checks, or silently trade away durability or integrity.
 * Parameter reference: https://www.postgresql.org/docs/current/runtime-config.html
 */

/** Default tuning space, by group. Unknown names on older majors simply fail the "exists" check. */
export const ALLOWLIST_GROUPS: Readonly<Record<string, readonly string[]>> = {
  // Memory. shared_buffers and wal_buffers need a restart (gated by allow_restart); too large a
  // value is caught by the memory guardrail and, if the server cannot start, by rollback.
  memory: [
    'shared_buffers',
    'wal_buffers',
    'work_mem',
    'hash_mem_multiplier',
    'maintenance_work_mem',
    'autovacuum_work_mem',
    'logical_decoding_work_mem',
    'effective_cache_size',
    'temp_buffers',
    'vacuum_buffer_usage_limit',
  ],
  // huge_pages: only `off` and `try` are accepted (VALUE_RESTRICTIONS); `on` makes the server refuse
  // to start when the OS has no huge pages reserved.
  hugePages: ['huge_pages'],
  // WAL and checkpoints: spacing and smoothing of checkpoints, WAL writer cadence, compression.
  // Durability knobs (fsync, full_page_writes, synchronous_commit) are deliberately NOT here.
  wal: [
    'max_wal_size',
    'min_wal_size',
    'checkpoint_timeout',
    'checkpoint_completion_target',
    'checkpoint_flush_after',
    'wal_writer_delay',
    'wal_writer_flush_after',
    'wal_compression',
  ],
  // Commit grouping: delays a commit by at most commit_delay µs; never loses a commit.
  commitGrouping: ['commit_delay', 'commit_siblings'],
  // Planner cost model and statistics: change plans, never results.
  planner: [
    'random_page_cost',
    'seq_page_cost',
    'cpu_tuple_cost',
    'cpu_index_tuple_cost',
    'cpu_operator_cost',
    'parallel_setup_cost',
    'parallel_tuple_cost',
    'min_parallel_table_scan_size',
    'min_parallel_index_scan_size',
    'default_statistics_target',
    'from_collapse_limit',
    'join_collapse_limit',
  ],
  // JIT on/off and its thresholds. jit_provider (loads a library) is denylisted.
  jit: ['jit', 'jit_above_cost', 'jit_inline_above_cost', 'jit_optimize_above_cost'],
  // Background writer and write-back.
  bgwriter: [
    'bgwriter_delay',
    'bgwriter_lru_maxpages',
    'bgwriter_lru_multiplier',
    'bgwriter_flush_after',
    'backend_flush_after',
  ],
  // Asynchronous I/O depth.
  io: ['effective_io_concurrency', 'maintenance_io_concurrency', 'io_combine_limit'],
  // Parallelism. max_worker_processes needs a restart; on a hot standby it must be >= the primary's,
  // which operators with replicas should keep in mind (or remove it with allowlistRemove).
  parallelism: [
    'max_worker_processes',
    'max_parallel_workers',
    'max_parallel_workers_per_gather',
    'max_parallel_maintenance_workers',
    'parallel_leader_participation',
  ],
  // Autovacuum pacing and triggers. `autovacuum` (on/off) and the freeze ages are NOT here: turning
  // autovacuum off or raising freeze ages risks transaction-ID wraparound.
  autovacuum: [
    'autovacuum_max_workers',
    'autovacuum_naptime',
    'autovacuum_vacuum_cost_delay',
    'autovacuum_vacuum_cost_limit',
    'autovacuum_vacuum_threshold',
    'autovacuum_vacuum_scale_factor',
    'autovacuum_vacuum_insert_threshold',
    'autovacuum_vacuum_insert_scale_factor',
    'autovacuum_analyze_threshold',
    'autovacuum_analyze_scale_factor',
    'vacuum_cost_delay',
    'vacuum_cost_limit',
    'vacuum_cost_page_hit',
    'vacuum_cost_page_miss',
    'vacuum_cost_page_dirty',
  ],
  // NOT allowlisted by default (operators may add them):
  // - max_connections: lowering it refuses application connections, and a standby with a lower value
  //   than its primary stops replaying; it is a capacity decision, not a tuning knob.
  // - synchronous_commit: trades durability of recent commits for speed; an operator's call.
  // - wal_level, max_wal_senders, max_replication_slots: replication topology, not performance.
};

export const DEFAULT_ALLOWLIST: ReadonlySet<string> = new Set(Object.values(ALLOWLIST_GROUPS).flat());

/** Values refused for otherwise allowed knobs. */
export const VALUE_RESTRICTIONS: Readonly<Record<string, { allowed: readonly string[]; why: string }>> = {
  huge_pages: {
    allowed: ['off', 'try'],
    why: '"on" stops the server from starting when no huge pages are reserved',
  },
};

/** Exact names that can never be changed, with the reason. */
export const DENYLIST: Readonly<Record<string, string>> = {
  // Run commands or load code.
  archive_library: 'loads a shared library',
  dynamic_library_path: 'decides where code is loaded from',
  jit_provider: 'loads a shared library',
  // Files and directories.
  data_directory: 'points at files',
  config_file: 'points at files',
  hba_file: 'points at files',
  ident_file: 'points at files',
  external_pid_file: 'writes a file',
  krb_server_keyfile: 'points at a key file',
  log_directory: 'writes files',
  log_filename: 'writes files',
  log_file_mode: 'changes file permissions',
  logging_collector: 'starts a process writing files',
  log_destination: 'routes logs to files, syslog or the event log',
  jit_dump_bitcode: 'writes files into the data directory',
  jit_debugging_support: 'registers generated code with debuggers',
  jit_profiling_support: 'writes profiling files',
  default_tablespace: 'decides where data files are created',
  temp_tablespaces: 'decides where temporary files are created',
  allow_in_place_tablespaces: 'creates tablespaces inside the data directory',
  promote_trigger_file: 'a file that promotes a standby',
  // Network endpoints.
  listen_addresses: 'opens network endpoints',
  port: 'changes the network endpoint',
  bonjour: 'advertises the server on the network',
  bonjour_name: 'advertises the server on the network',
  tcp_keepalives_idle: 'changes network connection handling',
  tcp_keepalives_interval: 'changes network connection handling',
  tcp_keepalives_count: 'changes network connection handling',
  tcp_user_timeout: 'changes network connection handling',
  primary_conninfo: 'connects to another server (and may hold a password)',
  primary_slot_name: 'changes replication',
  synchronous_standby_names: 'a wrong value blocks every commit',
  synchronized_standby_slots: 'can block logical replication',
  // Authentication and privilege checks.
  password_encryption: 'changes authentication',
  authentication_timeout: 'changes authentication',
  scram_iterations: 'changes authentication',
  db_user_namespace: 'changes authentication',
  krb_caseins_users: 'changes authentication',
  row_security: 'can disable row-level security',
  session_replication_role: 'disables triggers, including foreign-key enforcement',
  allow_system_table_mods: 'allows modifying system catalogs',
  allow_alter_system: 'controls ALTER SYSTEM itself',
  lo_compat_privileges: 'disables large-object privilege checks',
  createrole_self_grant: 'changes role privileges',
  event_triggers: 'disables event triggers (auditing, DDL guards)',
  search_path: 'changes name resolution for every session (search_path hijacking)',
  standard_conforming_strings: 'changes string escaping, opening SQL injection in applications',
  backslash_quote: 'changes string escaping, opening SQL injection in applications',
  default_transaction_read_only: 'turns every write into an error: an outage, not a tuning',
  // Durability and integrity.
  fsync: 'off risks data corruption after a crash',
  full_page_writes: 'off risks data corruption after a crash',
  data_sync_retry: 'risks data corruption after an I/O error',
  zero_damaged_pages: 'destroys data',
  ignore_checksum_failure: 'hides corruption',
  ignore_invalid_pages: 'hides corruption',
  ignore_system_indexes: 'a debugging aid',
  restart_after_crash: 'off leaves the server down after a crash',
  max_stack_depth: 'too high crashes the server',
  archive_mode: 'off silently stops WAL archiving (backups)',
};

/** Name patterns that can never be changed, with the reason. */
export const DENY_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/_command$/, 'runs a shell command'], // archive, restore, archive_cleanup, recovery_end, ssl_passphrase
  [/_preload_libraries$/, 'loads shared libraries'], // shared_, session_, local_
  [/^ssl/, 'changes TLS (keys, certificates, ciphers)'],
  [/^unix_socket_/, 'changes the socket files'],
  [/^recovery_/, 'changes recovery (targets, commands)'],
  [/^debug_|^trace_|^wal_consistency_checking$/, 'a developer option'],
];

/** Why `name` is denylisted, or null. */
export function denyReason(name: string): string | null {
  const n = name.toLowerCase();
  const exact = DENYLIST[n];
  if (exact) return exact;
  for (const [re, why] of DENY_PATTERNS) if (re.test(n)) return why;
  return null;
}

export interface KnobPolicy {
  /** Null when the knob may be changed; otherwise the refusal reason. */
  refusal(name: string): string | null;
  /** allowlistAdd entries ignored because they are denylisted (reported as a warning). */
  readonly ignoredAdds: readonly string[];
}

export function createKnobPolicy(
  opts: { allowlistAdd?: readonly string[]; allowlistRemove?: readonly string[] } = {},
): KnobPolicy {
  const allowed = new Set(DEFAULT_ALLOWLIST);
  const ignoredAdds: string[] = [];
  for (const raw of opts.allowlistAdd ?? []) {
    const name = raw.trim().toLowerCase();
    if (denyReason(name)) ignoredAdds.push(name);
    else if (name) allowed.add(name);
  }
  for (const raw of opts.allowlistRemove ?? []) allowed.delete(raw.trim().toLowerCase());
  return {
    ignoredAdds,
    refusal(name) {
      const n = name.toLowerCase();
      const deny = denyReason(n);
      if (deny) return `${n} is denylisted: ${deny} (cannot be allowed)`;
      if (!allowed.has(n)) return `${n} is not on the allowlist of tunable knobs (see allowlistAdd)`;
      return null;
    },
  };
}
