import { describe, expect, it } from 'vitest';
import { EMBEDDED_ENV } from '../embedded/attach.js';
import { knownDbtEnvNames, OTHER_DBT_ENV, unknownEnvWarnings } from './env-typos.js';
import { loadConfig } from './index.js';

describe('unknown DBT_* variables', () => {
  it('name the closest known variable for a typo', () => {
    expect(unknownEnvWarnings({ DBT_DBTUNE_APIKEY: 'x' })).toEqual([
      'DBT_DBTUNE_APIKEY is not a known setting and is ignored (did you mean "DBT_DBTUNE_API_KEY"?)',
    ]);
    expect(unknownEnvWarnings({ DBT_HEALTH_LISTENER: '127.0.0.1:1' })[0]).toContain('"DBT_HEALTH_LISTEN"');
  });

  it('say only "ignored" when nothing is close', () => {
    expect(unknownEnvWarnings({ DBT_SOMETHING_ELSE_ENTIRELY: '1' })).toEqual([
      'DBT_SOMETHING_ELSE_ENTIRELY is not a known setting and is ignored',
    ]);
  });

  it('accept every name the agent reads: primaries, fallbacks, _FILE forms, aliases, collectors', () => {
    const env = Object.fromEntries(knownDbtEnvNames().map((n) => [n, '1']));
    expect(
      unknownEnvWarnings({
        ...env,
        DBT_COLLECTOR_PG_CLASS_ENABLED: 'false',
        DBTUNE_AGENT_INTERVAL_SCALE: '1',
        HOME: '/root',
      }),
    ).toEqual([]);
    expect(knownDbtEnvNames()).toEqual(
      expect.arrayContaining([
        'DBT_DBTUNE_API_KEY_FILE',
        'DBT_GCP_DATABSE_NAME',
        'DBT_RDS_PARAMETER_GROUP_NAME',
        'DBT_APPLY_MODE',
        'DBT_STARTUP_TIMEOUT',
      ]),
    );
  });

  it('know the embedded platform variables', () => {
    expect([...OTHER_DBT_ENV].sort()).toEqual(Object.values(EMBEDDED_ENV).sort());
  });

  it('reach the load warnings once each', () => {
    const { warnings } = loadConfig({
      searchPaths: [],
      collectors: [],
      env: {
        DBT_POSTGRESQL_CONNECTION_URL: 'postgresql://a@localhost/db',
        DBT_DBTUNE_SERVER_URL: 'embedded',
        DBT_DBTUNE_APIKEY: 'x',
      },
    });
    expect(warnings.filter((w) => w.startsWith('DBT_DBTUNE_APIKEY'))).toHaveLength(1);
  });
});
