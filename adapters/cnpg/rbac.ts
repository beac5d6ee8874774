/**
 * The Kubernetes permissions the adapter uses (the Role and ClusterRole in README.md), and the
 * `dbtune-agent check` test of them: one SelfSubjectAccessReview per permission, which asks the API
 * server's authorizer exactly as the real requests would be authorized.
 * https://kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access
 */
import type { PrivilegeGap } from '../../src/apply/backend.js';
import type { AccessCheck, CnpgApi } from './client.js';

export interface Permission extends AccessCheck {
  /** What the adapter does with it, for the report. */
  why: string;
  /** The RBAC rule that grants it. */
  rule: string;
}

export function requiredPermissions(namespace: string, clusterName: string): Permission[] {
  const ns = { namespace };
  const clusterRule = `Role in ${namespace}: apiGroups ["postgresql.cnpg.io"], resources ["clusters"], resourceNames ["${clusterName}"], verbs ["get", "patch"]`;
  const podRule = `Role in ${namespace}: apiGroups [""], resources ["pods"], verbs ["get", "list"]`;
  return [
    {
      ...ns,
      group: 'postgresql.cnpg.io',
      resource: 'clusters',
      name: clusterName,
      verb: 'get',
      why: 'read the Cluster status',
      rule: clusterRule,
    },
    {
      ...ns,
      group: 'postgresql.cnpg.io',
      resource: 'clusters',
      name: clusterName,
      verb: 'patch',
      why: 'change parameters and request restarts',
      rule: clusterRule,
    },
    { ...ns, group: '', resource: 'pods', verb: 'list', why: 'find the primary pod', rule: podRule },
    {
      ...ns,
      group: '',
      resource: 'pods',
      verb: 'get',
      why: 'read the pod resources and readiness',
      rule: podRule,
    },
    {
      ...ns,
      group: 'metrics.k8s.io',
      resource: 'pods',
      verb: 'get',
      why: 'read CPU and memory usage (hardware metrics, guardrail)',
      rule: `Role in ${namespace}: apiGroups ["metrics.k8s.io"], resources ["pods"], verbs ["get"]`,
    },
    {
      group: '',
      resource: 'nodes',
      verb: 'get',
      why: 'read the node allocatable and OS',
      rule: 'ClusterRole: apiGroups [""], resources ["nodes"], verbs ["get"]',
    },
    {
      group: '',
      resource: 'nodes',
      subresource: 'proxy',
      verb: 'get',
      why: 'read cAdvisor disk and network counters',
      rule: 'ClusterRole: apiGroups [""], resources ["nodes/proxy"], verbs ["get"]',
    },
  ];
}

export async function missingPermissions(
  api: CnpgApi,
  namespace: string,
  clusterName: string,
  signal: AbortSignal,
): Promise<PrivilegeGap[]> {
  const perms = requiredPermissions(namespace, clusterName);
  const allowed = await Promise.all(perms.map((p) => api.canI(p, signal)));
  return perms
    .filter((_, i) => !allowed[i])
    .map((p) => {
      const res = `${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.group ? `.${p.group}` : ''}`;
      const where = p.namespace ? ` in namespace ${p.namespace}` : '';
      return { what: `${p.verb} ${res}${p.name ? ` "${p.name}"` : ''}${where} (to ${p.why})`, grant: p.rule };
    });
}
