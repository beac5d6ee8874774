import { describe, expect, it } from 'vitest';
import type { PlannedChange } from '../../src/apply/index.js';
import { allowedProblem, groupValue, holds, resolveTarget, toGroup, type GroupParam } from './parameters.js';

const param = (p: Partial<GroupParam> & { name: string }): GroupParam => ({
  value: undefined,
  applyType: 'dynamic',
  dataType: 'integer',
  allowed: undefined,
  modifiable: true,
  ...p,
});

const change = (name: string, proposed: string, vartype = 'integer'): PlannedChange => ({
  name,
  current: '0',
  proposed,
  requested: proposed,
  unit: null,
  vartype,
  context: 'user',
});

describe('resolveTarget', () => {
  const instance = toGroup('instance', 'inst-pg', [
    { ParameterName: 'work_mem', IsModifiable: true, ApplyType: 'dynamic', DataType: 'integer' },
    { ParameterName: 'max_connections', IsModifiable: false, ApplyType: 'static', DataType: 'integer' },
  ]);
  const cluster = toGroup('cluster', 'cluster-pg', [
    { ParameterName: 'work_mem', IsModifiable: true },
    { ParameterName: 'max_connections', IsModifiable: true, ApplyType: 'static' },
    { ParameterName: 'checkpoint_timeout', IsModifiable: true },
    { ParameterName: 'wal_level', IsModifiable: false },
  ]);

  it('prefers the instance group, falls back to the cluster group', () => {
    expect(resolveTarget('work_mem', instance, cluster)).toMatchObject({ group: { kind: 'instance' } });
    expect(resolveTarget('max_connections', instance, cluster)).toMatchObject({
      group: { kind: 'cluster' },
      param: { applyType: 'static' },
    });
    expect(resolveTarget('checkpoint_timeout', instance, cluster)).toMatchObject({
      group: { name: 'cluster-pg' },
    });
  });

  it('names the groups when no group can take the knob', () => {
    expect(resolveTarget('wal_level', instance, cluster)).toBe(
      'wal_level is not modifiable in DB parameter group inst-pg or cluster parameter group cluster-pg',
    );
    expect(resolveTarget('nope', instance, undefined)).toBe(
      'nope is not a parameter of parameter group inst-pg',
    );
    expect(resolveTarget('max_connections', instance, undefined)).toBe(
      'max_connections is not modifiable in parameter group inst-pg',
    );
  });
});

describe('group values', () => {
  it('spells booleans as the group does', () => {
    const numeric = param({ name: 'jit', dataType: 'boolean', allowed: '0,1' });
    const words = param({ name: 'jit', dataType: 'boolean', allowed: 'on,off' });
    expect(groupValue(change('jit', 'on', 'bool'), numeric)).toBe('1');
    expect(groupValue(change('jit', 'off', 'bool'), numeric)).toBe('0');
    expect(groupValue(change('jit', 'on', 'bool'), words)).toBe('on');
    expect(groupValue(change('work_mem', '8192'), param({ name: 'work_mem' }))).toBe('8192');
  });

  it('checks AllowedValues: ranges (with exponents), lists and booleans', () => {
    const cost = param({ name: 'random_page_cost', dataType: 'float', allowed: '0-1.79769e+308' });
    expect(allowedProblem(cost, '1.5')).toBeNull();
    expect(allowedProblem(cost, '-1')).toContain('outside');
    const mem = param({ name: 'autovacuum_work_mem', allowed: '-1,1024-2147483647' });
    expect(allowedProblem(mem, '-1')).toBeNull();
    expect(allowedProblem(mem, '512')).toBe(
      "autovacuum_work_mem=512 is outside the parameter group's allowed values -1,1024-2147483647",
    );
    const neg = param({ name: 'x', allowed: '-1-100' });
    expect(allowedProblem(neg, '-1')).toBeNull();
    const list = param({ name: 'huge_pages', dataType: 'list', allowed: 'on,off,try' });
    expect(allowedProblem(list, 'try')).toBeNull();
    expect(allowedProblem(list, 'always')).toContain('not one of');
    expect(allowedProblem(param({ name: 'y' }), '5')).toBeNull();
  });

  it('knows when the group already holds a value', () => {
    expect(holds(param({ name: 'a', value: '1.0', dataType: 'float' }), '1')).toBe(true);
    expect(holds(param({ name: 'a', value: '{DBInstanceClassMemory/32768}' }), '16384')).toBe(false);
    expect(holds(param({ name: 'a', value: undefined }), '16384')).toBe(false);
    expect(holds(param({ name: 'a', value: 'ON', dataType: 'list' }), 'on')).toBe(true);
  });
});
