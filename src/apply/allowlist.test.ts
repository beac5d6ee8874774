import { describe, expect, it } from 'vitest';
import { createKnobPolicy, DEFAULT_ALLOWLIST, denyReason } from './allowlist.js';
import { alterSystemReset, alterSystemSet, quoteIdent, quoteLiteral } from './sql.js';

describe('allowlist and denylist', () => {
  const policy = createKnobPolicy();

  it('allows the DBtune tuning space (docs/TUNING.md) by default', () => {
    for (const knob of [
      'work_mem',
      'random_page_cost',
      'seq_page_cost',
      'checkpoint_completion_target',
      'effective_io_concurrency',
      'max_parallel_workers_per_gather',
      'max_parallel_workers',
      'max_wal_size',
      'min_wal_size',
      'bgwriter_lru_maxpages',
      'bgwriter_delay',
      'shared_buffers',
      'max_worker_processes',
      'jit',
      'huge_pages',
      'default_statistics_target',
      'commit_delay',
      'autovacuum_vacuum_scale_factor',
      'effective_cache_size',
    ]) {
      expect(policy.refusal(knob), knob).toBeNull();
    }
  });

  it('refuses knobs off the allowlist', () => {
    expect(policy.refusal('max_connections')).toMatch(/not on the allowlist/);
    expect(policy.refusal('synchronous_commit')).toMatch(/not on the allowlist/);
    expect(policy.refusal('statement_timeout')).toMatch(/not on the allowlist/);
  });

  const denied = [
    'archive_command',
    'archive_library',
    'restore_command',
    'archive_cleanup_command',
    'recovery_end_command',
    'ssl_passphrase_command',
    'shared_preload_libraries',
    'session_preload_libraries',
    'local_preload_libraries',
    'dynamic_library_path',
    'jit_provider',
    'data_directory',
    'config_file',
    'hba_file',
    'ident_file',
    'external_pid_file',
    'log_directory',
    'log_filename',
    'unix_socket_directories',
    'unix_socket_permissions',
    'unix_socket_group',
    'listen_addresses',
    'port',
    'ssl',
    'ssl_cert_file',
    'ssl_ciphers',
    'krb_server_keyfile',
    'primary_conninfo',
    'primary_slot_name',
    'password_encryption',
    'event_triggers',
    'allow_system_table_mods',
    'session_replication_role',
    'default_transaction_read_only',
    'search_path',
    'fsync',
    'full_page_writes',
    'zero_damaged_pages',
    'recovery_target_time',
    'synchronous_standby_names',
    'standard_conforming_strings',
    'debug_discard_caches',
    'trace_notify',
    'some_new_command',
    'row_security',
    'archive_mode',
  ];
  it.each(denied)('%s is denylisted, even with allowlistAdd', (knob) => {
    expect(denyReason(knob)).not.toBeNull();
    expect(denyReason(knob.toUpperCase())).not.toBeNull();
    const p = createKnobPolicy({ allowlistAdd: [knob] });
    expect(p.refusal(knob)).toMatch(/is denylisted: .* \(cannot be allowed\)$/);
    expect(p.ignoredAdds).toEqual([knob]);
  });

  it('no default allowlist entry is denylisted', () => {
    for (const knob of DEFAULT_ALLOWLIST) expect(denyReason(knob), knob).toBeNull();
  });

  it('allowlistAdd and allowlistRemove adjust the default', () => {
    const p = createKnobPolicy({ allowlistAdd: ['Max_Connections'], allowlistRemove: ['shared_buffers'] });
    expect(p.refusal('max_connections')).toBeNull();
    expect(p.refusal('shared_buffers')).toMatch(/not on the allowlist/);
    expect(p.refusal('work_mem')).toBeNull();
    expect(p.ignoredAdds).toEqual([]);
  });
});

describe('ALTER SYSTEM quoting', () => {
  it('quotes names and values', () => {
    expect(alterSystemSet('work_mem', '65536')).toBe(`ALTER SYSTEM SET "work_mem" = '65536'`);
    expect(alterSystemSet('pg_stat_statements.max', '5000')).toBe(
      `ALTER SYSTEM SET "pg_stat_statements"."max" = '5000'`,
    );
    expect(alterSystemReset('work_mem')).toBe('ALTER SYSTEM RESET "work_mem"');
    expect(quoteIdent('a_b')).toBe('"a_b"');
  });
  it('refuses what validation refuses, again', () => {
    expect(() => quoteLiteral("1'; DROP TABLE t; --")).toThrow(
      /apply: sql: value contains a quote, a semicolon/,
    );
    expect(() => quoteLiteral('a\nb')).toThrow(/newline/);
    expect(() => quoteIdent('work_mem; DROP')).toThrow(/invalid parameter name/);
    expect(() => quoteIdent('"x"')).toThrow(/invalid parameter name/);
    expect(() => alterSystemSet('Work_Mem', '1')).toThrow(/invalid parameter name/);
  });
});
