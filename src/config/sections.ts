/** Adapter id → its YAML section (facts §6.3); `local` only uses `postgresql:`. */
import type { AdapterId } from '../../adapters/types.js';
import type { LoadResult } from './types.js';

export const SECTION_OF_ADAPTER: Readonly<Record<AdapterId, string | null>> = {
  aiven: 'aiven',
  aurora: 'rds-aurora',
  'azure-flex': 'azure_flex',
  cloudsql: 'cloudsql',
  cnpg: 'cnpg',
  docker: 'docker',
  local: null,
  patroni: 'patroni',
  rds: 'rds',
};

/**
 * Whether the config file sets any key of a section (adapter auto-detection by file section,
 * facts §7.0). Env-set keys are not counted: DBT_AWS_* fills both rds and rds-aurora, and the
 * plain AWS_REGION fallback is often set on machines that do not run RDS at all.
 */
export function sectionInFile(result: Pick<LoadResult, 'sources'>, section: string): boolean {
  const prefix = `${section}.`;
  return Object.entries(result.sources).some(([p, s]) => s === 'file' && p.startsWith(prefix));
}
