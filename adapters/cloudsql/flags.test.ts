import { describe, expect, it } from 'vitest';
import type { ApplyPlan, PlannedChange } from '../../src/apply/types.js';
import { flagProblems, mergeFlags } from './flags.js';

const change = (name: string, proposed: string, vartype = 'integer'): PlannedChange => ({
  name,
  current: '0',
  proposed,
  requested: proposed,
  unit: null,
  vartype,
  context: 'user',
});
const plan = (...changes: PlannedChange[]): ApplyPlan => ({
  changes,
  unchanged: [],
  restartRequired: false,
  intent: 'reload',
});
const catalog = [
  { name: 'work_mem', requiresRestart: false, min: 64, max: 2_147_483_647 },
  { name: 'max_connections', requiresRestart: true, min: 14, max: 262_143 },
  { name: 'random_page_cost', requiresRestart: false, min: null, max: null },
];

describe('mergeFlags', () => {
  it('replaces changed flags in place and appends new ones, keeping every other flag', () => {
    const existing = [
      { name: 'log_min_duration_statement', value: '500' },
      { name: 'work_mem', value: '4096' },
    ];
    expect(
      mergeFlags(existing, [change('work_mem', '8192'), change('random_page_cost', '1.1', 'real')]),
    ).toEqual([
      { name: 'log_min_duration_statement', value: '500' },
      { name: 'work_mem', value: '8192' },
      { name: 'random_page_cost', value: '1.1' },
    ]);
    expect(existing[1]?.value).toBe('4096'); // not mutated
  });
});

describe('flagProblems', () => {
  it('refuses knobs Cloud SQL lacks and values outside its bounds', () => {
    expect(
      flagProblems(
        plan(change('work_mem', '32'), change('backend_flush_after', '64')),
        catalog,
        'POSTGRES_17',
        true,
      ),
    ).toEqual([
      "work_mem=32 is below Cloud SQL's minimum 64",
      'backend_flush_after is not a Cloud SQL database flag for POSTGRES_17',
    ]);
    expect(
      flagProblems(plan(change('random_page_cost', '1.1', 'real')), catalog, 'POSTGRES_17', false),
    ).toEqual([]);
  });

  it('refuses a flag Cloud SQL restarts for unless restarts are allowed', () => {
    const p = plan(change('max_connections', '200'));
    expect(flagProblems(p, catalog, 'POSTGRES_17', false)).toEqual([
      'max_connections: Cloud SQL restarts the instance to change this flag, and allow_restart is false',
    ]);
    expect(flagProblems(p, catalog, 'POSTGRES_17', true)).toEqual([]);
  });
});
