/**
 * The simulated Cloud SQL flag catalog (`GET /v1/flags`), a subset of the PostgreSQL flags Cloud SQL
 * supports, with their restart requirement and bounds as the SQL Admin API reports them:
 * https://cloud.google.com/sql/docs/postgres/flags#list-flags-postgres
 * Deliberately absent (so tests can propose an allowlisted knob Cloud SQL does not offer):
 * `backend_flush_after`.
 */
export interface SimFlag {
  name: string;
  type: 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'STRING';
  requiresRestart: boolean;
  min?: number;
  max?: number;
}

const int = (name: string, min: number, max: number, requiresRestart = false): SimFlag => ({
  name,
  type: 'INTEGER',
  requiresRestart,
  min,
  max,
});
const float = (name: string): SimFlag => ({ name, type: 'FLOAT', requiresRestart: false });

export const SIM_FLAGS: readonly SimFlag[] = [
  int('shared_buffers', 16, 1_073_741_823, true),
  int('max_connections', 14, 262_143, true),
  int('max_worker_processes', 8, 4096, true),
  int('wal_buffers', -1, 262_143, true),
  int('work_mem', 64, 2_147_483_647),
  int('maintenance_work_mem', 1024, 2_147_483_647),
  int('effective_cache_size', 1, 2_147_483_647),
  int('max_wal_size', 2, 2_147_483_647),
  int('min_wal_size', 32, 2_147_483_647),
  int('checkpoint_timeout', 30, 86_400),
  int('bgwriter_delay', 10, 10_000),
  int('bgwriter_lru_maxpages', 0, 1_073_741_823),
  int('max_parallel_workers', 0, 1024),
  int('max_parallel_workers_per_gather', 0, 1024),
  int('effective_io_concurrency', 0, 1000),
  float('random_page_cost'),
  float('seq_page_cost'),
  float('checkpoint_completion_target'),
  { name: 'jit', type: 'BOOLEAN', requiresRestart: false },
];

export function flagJson(f: SimFlag, databaseVersion: string): Record<string, unknown> {
  return {
    kind: 'sql#flag',
    name: f.name,
    type: f.type,
    appliesTo: [databaseVersion],
    ...(f.min !== undefined ? { minValue: String(f.min) } : {}),
    ...(f.max !== undefined ? { maxValue: String(f.max) } : {}),
    requiresRestart: f.requiresRestart,
    inBeta: false,
    flagScope: 'SQL_FLAG_SCOPE_DATABASE',
  };
}
