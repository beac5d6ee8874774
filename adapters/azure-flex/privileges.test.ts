import { describe, expect, it } from 'vitest';
import { allowed, neededActions, rbacGaps } from './privileges.js';

describe('RBAC permissions', () => {
  it('honours wildcards and notActions per role assignment', () => {
    const contributorMinusWrite = [
      { actions: ['*'], notActions: ['Microsoft.DBforPostgreSQL/flexibleServers/configurations/write'] },
    ];
    expect(allowed(contributorMinusWrite, 'Microsoft.DBforPostgreSQL/flexibleServers/read')).toBe(true);
    expect(
      allowed(contributorMinusWrite, 'microsoft.dbforpostgresql/flexibleservers/configurations/WRITE'),
    ).toBe(false);
    // Another assignment granting it again makes it allowed (permissions are a union).
    expect(
      allowed(
        [
          ...contributorMinusWrite,
          { actions: ['Microsoft.DBforPostgreSQL/flexibleServers/*'], notActions: [] },
        ],
        'Microsoft.DBforPostgreSQL/flexibleServers/configurations/write',
      ),
    ).toBe(true);
    expect(allowed([{ actions: ['*/read'], notActions: [] }], 'Microsoft.Insights/metrics/read')).toBe(true);
    expect(
      allowed(
        [{ actions: ['*/read'], notActions: [] }],
        'Microsoft.DBforPostgreSQL/flexibleServers/restart/action',
      ),
    ).toBe(false);
  });

  it('lists each missing action with its fix; restart actions only with allow_restart', () => {
    const reader = [{ actions: ['*/read'], notActions: [] }];
    expect(rbacGaps(reader, neededActions(false), '/s/x').map((g) => g.what)).toEqual([
      'Azure RBAC action Microsoft.DBforPostgreSQL/flexibleServers/configurations/write on /s/x',
    ]);
    expect(rbacGaps(reader, neededActions(true), '/s/x').map((g) => g.what)).toEqual([
      'Azure RBAC action Microsoft.DBforPostgreSQL/flexibleServers/configurations/write on /s/x',
      'Azure RBAC action Microsoft.DBforPostgreSQL/flexibleServers/restart/action on /s/x',
    ]);
    expect(rbacGaps([{ actions: ['*'], notActions: [] }], neededActions(true), '/s/x')).toEqual([]);
  });
});
