/** Adapter sections in the config file (the id → section map is in adapters/index.ts). */
import type { LoadResult } from './types.js';

/**
 * Whether the config file sets any key of a section (adapter auto-detection by file section,
 * docs/ADAPTERS.md §1). Env-set keys are not counted: DBT_AWS_* fills both rds and rds-aurora, and the
 * plain AWS_REGION fallback is often set on machines that do not run RDS at all.
 */
export function sectionInFile(result: Pick<LoadResult, 'sources'>, section: string): boolean {
  const prefix = `${section}.`;
  return Object.entries(result.sources).some(([p, s]) => s === 'file' && p.startsWith(prefix));
}
