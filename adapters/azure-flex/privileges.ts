/**
 * What the agent's Azure identity may not do on the server, for `dbtune-agent check`: the RBAC
 * actions apply and rollback need, against the identity's effective permissions on the server
 * (Permissions - List For Resource: per role assignment, `actions` minus `notActions`, with `*`
 * wildcards, case-insensitive).
 * https://learn.microsoft.com/en-us/azure/role-based-access-control/role-definitions#actions
 */
import type { PrivilegeGap } from '../../src/apply/backend.js';
import type { PermissionSet } from './api.js';
import { RBAC, type RbacAction } from './client.js';

/** The actions apply and rollback use; the restart ones only when restarts are allowed. */
export function neededActions(allowRestart: boolean): RbacAction[] {
  const base: RbacAction[] = [
    RBAC.serverRead,
    RBAC.configurationsRead,
    RBAC.configurationsWrite,
    RBAC.asyncOperationRead,
    RBAC.metricsRead,
  ];
  return allowRestart ? [...base, RBAC.restart, RBAC.operationResultsRead] : base;
}

function matches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(action);
}

export function allowed(perms: readonly PermissionSet[], action: string): boolean {
  return perms.some(
    (p) => p.actions.some((a) => matches(a, action)) && !p.notActions.some((n) => matches(n, action)),
  );
}

export function rbacGaps(
  perms: readonly PermissionSet[],
  needed: readonly RbacAction[],
  scope: string,
): PrivilegeGap[] {
  return needed
    .filter((a) => !allowed(perms, a))
    .map((a) => ({
      what: `Azure RBAC action ${a} on ${scope}`,
      grant: `assign the agent's identity a role that includes ${a} at scope ${scope} (az role assignment create --assignee <identity> --role <role> --scope ${scope}; adapters/azure-flex/README.md lists a minimal custom role)`,
    }));
}
