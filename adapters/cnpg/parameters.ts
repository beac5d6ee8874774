/**
 * What may go into `spec.postgresql.parameters`, and in which form.
 *
 * The operator owns some parameters itself (replication, archiving, TLS, logging, file locations,
 * libraries): its webhook rejects most of them, and the rest would be overwritten or would break
 * the instance manager. They are refused before anything is written.
 * https://cloudnative-pg.io/documentation/current/postgresql_conf/#fixed-parameters
 */
import { parseBaseUnit } from '../../src/apply/units.js';
import type { PlannedChange } from '../../src/apply/types.js';

const MANAGED_EXACT = new Set([
  'hot_standby',
  'primary_conninfo',
  'primary_slot_name',
  'recovery_min_apply_delay',
  'synchronous_standby_names',
  'listen_addresses',
  'port',
  'log_destination',
  'log_directory',
  'log_file_mode',
  'log_filename',
  'logging_collector',
  'truncate_on_rotation',
  'stats_temp_directory',
  'cluster_name',
  'config_file',
  'data_directory',
  'hba_file',
  'ident_file',
  'external_pid_file',
  'promote_trigger_file',
  'restart_after_crash',
  'allow_alter_system',
  'allow_system_table_mods',
  'data_sync_retry',
  'jit_provider',
  'shared_preload_libraries',
  'event_source',
  'bonjour',
  'bonjour_name',
]);

const MANAGED_PREFIXES = [
  'archive_',
  'restore_',
  'recovery_',
  'unix_socket_',
  'ssl',
  'log_rotation_',
  'syslog_',
];

/** Whether the CloudNativePG operator manages `name` (case-insensitive). */
export function isOperatorManaged(name: string): boolean {
  const n = name.toLowerCase();
  return MANAGED_EXACT.has(n) || MANAGED_PREFIXES.some((p) => n.startsWith(p));
}

/**
 * The string written into `spec.postgresql.parameters` for a planned change: memory in kB (bytes
 * when not a whole number of kB), time with its unit, anything else as planned. The planned value is
 * in pg_settings' base unit (`8kB` pages for shared_buffers), which a reader of the Cluster resource
 * would misread; with an explicit unit PostgreSQL reads the same value and so does a human.
 * https://www.postgresql.org/docs/current/config-setting.html#CONFIG-SETTING-NAMES-VALUES
 */
export function specValue(change: Pick<PlannedChange, 'proposed' | 'unit'>): string {
  const base = parseBaseUnit(change.unit);
  if (!base) return change.proposed;
  const n = Number(change.proposed);
  if (!Number.isFinite(n)) return change.proposed;
  if (base.kind === 'memory') {
    const bytes = n * base.size;
    return Number.isInteger(bytes / 1024) ? `${bytes / 1024}kB` : `${bytes}B`;
  }
  // Time parameters have a plain base unit (ms, s, min); fractions (vacuum_cost_delay) are allowed.
  return `${change.proposed}${change.unit ?? ''}`;
}
