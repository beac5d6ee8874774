/**
 * The knobs this agent changes on Aiven and where each goes in the service's `user_config`
 * (docs/ADAPTERS.md §6; Aiven's PostgreSQL advanced parameters: https://aiven.io/docs/products/postgresql/reference/advanced-params).
 * - `shared_buffers` is set through `user_config.shared_buffers_percentage` (20–60 % of the node's
 *   memory; Aiven restarts PostgreSQL to change it);
 * - `work_mem` through `user_config.work_mem`, in whole MB (1–1024);
 * - the `pg` keys through `user_config.pg`.
 * Every other knob is refused whole: Aiven offers no way to set it (or, for max_worker_processes,
 * cannot lower it).
 *
 * The platform knows Aiven's own names from the active configuration (`shared_buffers_percentage`,
 * `work_mem` in MB), so proposals are translated to PostgreSQL's names and units first; the engine
 * then plans, verifies and restores in `pg_settings` terms like on any other platform.
 */
import { ConfigApplyError } from '../../src/errors.js';
import type { PlannedChange } from '../../src/apply/types.js';
import type { Proposal, ProposedRow } from '../../src/platform/types.js';

export type Placement =
  { level: 'service'; key: 'shared_buffers_percentage' | 'work_mem' } | { level: 'pg'; key: string };

export const KNOB_PLACEMENT: Readonly<Record<string, Placement>> = {
  shared_buffers: { level: 'service', key: 'shared_buffers_percentage' },
  work_mem: { level: 'service', key: 'work_mem' },
  bgwriter_delay: { level: 'pg', key: 'bgwriter_delay' },
  bgwriter_lru_maxpages: { level: 'pg', key: 'bgwriter_lru_maxpages' },
  max_parallel_workers: { level: 'pg', key: 'max_parallel_workers' },
  max_parallel_workers_per_gather: { level: 'pg', key: 'max_parallel_workers_per_gather' },
};

export const SHARED_BUFFERS_PERCENT = { min: 20, max: 60, default: 20 } as const;
export const WORK_MEM_MB = { min: 1, max: 1024 } as const;
const PAGE = 8192;
export const MEBIBYTE = 1024 * 1024;

export function sharedBuffersPages(percent: number, memoryBytes: number): number {
  return Math.round(((percent / 100) * memoryBytes) / PAGE);
}

export function sharedBuffersPercent(pages: number, memoryBytes: number): number {
  return (pages * PAGE * 100) / memoryBytes;
}

function translateRow(row: ProposedRow, memoryBytes: number): ProposedRow {
  if (row.name === 'shared_buffers_percentage') {
    const pct = Number(row.setting);
    if (typeof row.setting === 'boolean' || !Number.isFinite(pct)) {
      throw new ConfigApplyError(
        `apply: parse: shared_buffers_percentage=${JSON.stringify(row.setting)} is not a number`,
      );
    }
    return {
      name: 'shared_buffers',
      setting: String(sharedBuffersPages(pct, memoryBytes)),
      vartype: 'integer',
    };
  }
  // work_mem is reported to the platform in MB (activeConfig), so a bare number is MB.
  if (
    row.name === 'work_mem' &&
    (typeof row.setting === 'number' || /^\s*\d+\s*$/.test(String(row.setting)))
  ) {
    return { ...row, setting: `${String(row.setting).trim()}MB`, vartype: 'integer', unit: 'MB' };
  }
  return row;
}

/** A proposal in Aiven's names and units → PostgreSQL's. */
export function translateProposal(p: Proposal, memoryBytes: number): Proposal {
  const rename = (n: string) => (n === 'shared_buffers_percentage' ? 'shared_buffers' : n);
  return {
    ...p,
    config: Array.isArray(p.config) ? p.config.map((r) => translateRow(r, memoryBytes)) : p.config,
    knobs_overrides: Array.isArray(p.knobs_overrides) ? p.knobs_overrides.map(rename) : p.knobs_overrides,
  };
}

/** The user_config value for one planned change (Aiven takes typed JSON). */
export function userConfigValue(c: PlannedChange, memoryBytes: number): number {
  const n = Number(c.proposed);
  if (c.name === 'shared_buffers') return Math.round(sharedBuffersPercent(n, memoryBytes) * 1000) / 1000;
  if (c.name === 'work_mem') return n / 1024;
  return n;
}

/** Problems that refuse the whole plan on Aiven. */
export function knobProblems(changes: readonly PlannedChange[], memoryBytes: number): string[] {
  const problems: string[] = [];
  const allowed = Object.keys(KNOB_PLACEMENT).join(', ');
  for (const c of changes) {
    const placement = KNOB_PLACEMENT[c.name];
    if (!placement) {
      problems.push(`${c.name} cannot be changed on Aiven (the agent changes only: ${allowed})`);
      continue;
    }
    const n = Number(c.proposed);
    if (c.name === 'shared_buffers') {
      const pct = sharedBuffersPercent(n, memoryBytes);
      if (pct < SHARED_BUFFERS_PERCENT.min || pct > SHARED_BUFFERS_PERCENT.max) {
        problems.push(
          `shared_buffers=${c.proposed} (8kB) is ${pct.toFixed(1)} % of the node's memory; Aiven's shared_buffers_percentage takes ${SHARED_BUFFERS_PERCENT.min}–${SHARED_BUFFERS_PERCENT.max} %`,
        );
      }
    } else if (c.name === 'work_mem') {
      if (n % 1024 !== 0 || n / 1024 < WORK_MEM_MB.min || n / 1024 > WORK_MEM_MB.max) {
        problems.push(
          `work_mem=${c.proposed}kB: Aiven takes work_mem in whole MB from ${WORK_MEM_MB.min} to ${WORK_MEM_MB.max}`,
        );
      }
    } else if (!Number.isInteger(n)) {
      problems.push(`${c.name}=${c.proposed}: Aiven takes an integer`);
    }
  }
  return problems;
}

/**
 * The `user_config` update for `values` (Aiven key → value, null = remove): service-level keys as
 * they are, `pg` keys merged into the service's current `pg` object so that nothing else in it is
 * dropped, whether Aiven merges or replaces nested objects.
 */
export function userConfigUpdate(
  current: Record<string, unknown>,
  values: ReadonlyMap<Placement, number | null>,
): Record<string, unknown> {
  const update: Record<string, unknown> = {};
  const currentPg = current.pg;
  const pg: Record<string, unknown> =
    currentPg !== null && typeof currentPg === 'object' ? { ...(currentPg as Record<string, unknown>) } : {};
  let touchesPg = false;
  for (const [placement, value] of values) {
    if (placement.level === 'pg') {
      pg[placement.key] = value;
      touchesPg = true;
    } else {
      update[placement.key] = value;
    }
  }
  if (touchesPg) update.pg = pg;
  return update;
}
