import { describe, expect, it } from 'vitest';
import type { PlannedChange } from '../../src/apply/types.js';
import { aivenActiveConfig } from './active-config.js';
import {
  KNOB_PLACEMENT,
  knobProblems,
  translateProposal,
  userConfigUpdate,
  userConfigValue,
} from './knobs.js';

const GIB = 1024 ** 3;
const change = (name: string, proposed: string, vartype = 'integer'): PlannedChange => ({
  name,
  current: '0',
  proposed,
  requested: proposed,
  unit: null,
  vartype,
  context: 'user',
});

describe('translateProposal', () => {
  it("turns Aiven's names and units into PostgreSQL's", () => {
    const t = translateProposal(
      {
        config: [
          { name: 'shared_buffers_percentage', setting: 25 },
          { name: 'work_mem', setting: 64 },
          { name: 'bgwriter_delay', setting: 150 },
        ],
        knobs_overrides: ['shared_buffers_percentage', 'work_mem', 'bgwriter_delay'],
        knob_application: 'restart',
      },
      4 * GIB,
    );
    expect(t.config).toEqual([
      { name: 'shared_buffers', setting: String((4 * GIB * 0.25) / 8192), vartype: 'integer' },
      { name: 'work_mem', setting: '64MB', vartype: 'integer', unit: 'MB' },
      { name: 'bgwriter_delay', setting: 150 },
    ]);
    expect(t.knobs_overrides).toEqual(['shared_buffers', 'work_mem', 'bgwriter_delay']);
  });

  it('refuses a non-numeric shared_buffers_percentage', () => {
    expect(() =>
      translateProposal(
        {
          config: [{ name: 'shared_buffers_percentage', setting: 'lots' }],
          knobs_overrides: [],
          knob_application: undefined,
        },
        GIB,
      ),
    ).toThrow('apply: parse: shared_buffers_percentage="lots" is not a number');
  });
});

describe('knobProblems and placement', () => {
  it('refuses knobs outside the mapping and values Aiven does not take', () => {
    expect(
      knobProblems(
        [
          change('random_page_cost', '1.1', 'real'),
          change('work_mem', '1536'),
          change('shared_buffers', String((GIB * 0.7) / 8192)),
        ],
        GIB,
      ),
    ).toEqual([
      expect.stringMatching(
        /^random_page_cost cannot be changed on Aiven \(the agent changes only: shared_buffers, work_mem, /,
      ),
      'work_mem=1536kB: Aiven takes work_mem in whole MB from 1 to 1024',
      expect.stringContaining(
        "is 70.0 % of the node's memory; Aiven's shared_buffers_percentage takes 20–60 %",
      ),
    ]);
    expect(knobProblems([change('work_mem', '65536'), change('max_parallel_workers', '8')], GIB)).toEqual([]);
  });

  it('puts service-level keys in user_config and pg keys in user_config.pg, keeping the other pg keys', () => {
    const values = new Map([
      [KNOB_PLACEMENT.work_mem!, userConfigValue(change('work_mem', '65536'), GIB)],
      [
        KNOB_PLACEMENT.shared_buffers!,
        userConfigValue(change('shared_buffers', String((GIB * 0.3) / 8192)), GIB),
      ],
      [KNOB_PLACEMENT.bgwriter_delay!, 150],
      [KNOB_PLACEMENT.max_parallel_workers!, null],
    ]);
    expect(
      userConfigUpdate(
        { pg: { deadlock_timeout: 2000, max_parallel_workers: 4 }, ip_filter: ['0.0.0.0/0'] },
        values,
      ),
    ).toEqual({
      work_mem: 64,
      shared_buffers_percentage: 30,
      pg: { deadlock_timeout: 2000, bgwriter_delay: 150, max_parallel_workers: null },
    });
  });
});

describe('aivenActiveConfig', () => {
  it('prepends shared_buffers_percentage (default 20) and reports work_mem in MB', () => {
    const rows = [
      { name: 'work_mem', setting: 8192, unit: 'kB', vartype: 'integer', context: 'user' },
      { name: 'jit', setting: 'on', unit: null, vartype: 'bool', context: 'user' },
    ];
    expect(aivenActiveConfig(rows, {})).toEqual([
      {
        name: 'shared_buffers_percentage',
        setting: 20,
        unit: 'percentage',
        vartype: 'real',
        context: 'service',
      },
      { name: 'work_mem', setting: 8, unit: 'MB', vartype: 'integer', context: 'service' },
      rows[1],
    ]);
    expect(aivenActiveConfig(rows, { shared_buffers_percentage: 35.5 })[0]?.setting).toBe(35.5);
  });
});
