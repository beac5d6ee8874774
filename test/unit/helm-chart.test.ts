/**
 * The Helm chart (deploy/helm/dbtune-agent) rendered with its default values and with CloudNativePG
 * values, each object checked against the Kubernetes models of @kubernetes/client-node; and the
 * plain manifests of deploy/k8s/, which are the chart rendered with example values.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ADAPTERS } from '../../adapters/index.js';
import { renderChart } from '../harness/helm-template.js';
import { validateObject } from '../harness/k8s-schema.js';
import { K8S_MANIFESTS, renderManifest } from '../harness/k8s-manifests.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const chartDir = `${root}deploy/helm/dbtune-agent`;
const SECRETS = {
  apiKey: '0b9e4f5c-8d7a-4c1b-9e2f-3a4b5c6d7e8f',
  connectionUrl: 'postgresql://a:pw@db:5432/app',
};

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function render(values: Record<string, unknown>, namespace = 'tuning') {
  const { objects } = renderChart(chartDir, { release: 'agent', namespace, values });
  for (const o of objects) expect(validateObject(o), `${o.kind as string}`).toEqual([]);
  const find = (kind: string) => objects.filter((o) => o.kind === kind) as Obj[];
  return { objects: objects as Obj[], find, deployment: find('Deployment')[0]! };
}

function container(deployment: Obj): Obj {
  return deployment.spec.template.spec.containers[0] as Obj;
}

function env(deployment: Obj): Map<string, string> {
  return new Map(
    (container(deployment).env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
  );
}

describe('helm chart: default values', () => {
  it('renders a Deployment, a Secret and a ServiceAccount, valid Kubernetes objects, and no RBAC', () => {
    const { objects } = render(SECRETS);
    expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'Secret', 'ServiceAccount']);
  });

  it('one replica, replaced not rolled (never two agents on one database)', () => {
    const { deployment } = render(SECRETS);
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe('Recreate');
    expect(deployment.spec.selector.matchLabels).toEqual(
      expect.objectContaining(deployment.spec.template.metadata.labels as object),
    );
  });

  it('probes /healthz and /readyz on the port DBT_HEALTH_LISTEN binds on all interfaces', () => {
    const { deployment } = render(SECRETS);
    const c = container(deployment);
    const port = (c.ports as Obj[]).find((p) => p.name === 'health')!;
    expect(env(deployment).get('DBT_HEALTH_LISTEN')).toBe(`0.0.0.0:${port.containerPort as number}`);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
  });

  it('takes the API key and the connection URL from the Secret, as files, never as plain env values', () => {
    const { deployment, find } = render(SECRETS);
    const secret = find('Secret')[0]!;
    expect(secret.stringData).toEqual({ 'api-key': SECRETS.apiKey, 'connection-url': SECRETS.connectionUrl });
    const e = env(deployment);
    expect(e.get('DBT_DBTUNE_API_KEY_FILE')).toBe('/var/run/secrets/dbtune/api-key');
    expect(e.get('DBT_POSTGRESQL_CONNECTION_URL_FILE')).toBe('/var/run/secrets/dbtune/connection-url');
    expect(JSON.stringify(container(deployment))).not.toContain(SECRETS.apiKey);
    expect(JSON.stringify(container(deployment))).not.toContain('pw@');
    const mount = (container(deployment).volumeMounts as Obj[]).find((m) => m.name === 'secrets')!;
    expect(mount.mountPath).toBe('/var/run/secrets/dbtune');
    const volume = (deployment.spec.template.spec.volumes as Obj[]).find((v) => v.name === 'secrets')!;
    expect(volume.secret.secretName).toBe(secret.metadata.name);
    // Readable by the non-root user through fsGroup: owner and group read, nothing for others.
    expect(volume.secret.defaultMode).toBe(0o440);
    expect(deployment.spec.template.spec.securityContext.fsGroup).toBe(1000);
  });

  it('with existingSecret: no Secret rendered, the pod mounts the existing one', () => {
    const { find, deployment } = render({ existingSecret: 'agent-credentials' });
    expect(find('Secret')).toEqual([]);
    const volume = (deployment.spec.template.spec.volumes as Obj[]).find((v) => v.name === 'secrets')!;
    expect(volume.secret.secretName).toBe('agent-credentials');
  });

  it('without credentials it refuses to render, naming the value', () => {
    expect(() => render({})).toThrow(/apiKey or existingSecret is required/);
    expect(() => render({ apiKey: SECRETS.apiKey })).toThrow(/connectionUrl or existingSecret is required/);
  });

  it('embedded platform: no API key needed', () => {
    const { deployment, find } = render({
      connectionUrl: SECRETS.connectionUrl,
      dbtune: { serverUrl: 'embedded' },
    });
    expect(env(deployment).has('DBT_DBTUNE_API_KEY_FILE')).toBe(false);
    expect(Object.keys(find('Secret')[0]!.stringData as object)).toEqual(['connection-url']);
  });

  it('runs non-root, read-only, no privilege escalation, no API token mounted', () => {
    const { deployment } = render(SECRETS);
    const c = container(deployment);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(c.args).toEqual(['--log-format', 'json']);
  });
});

describe('helm chart: CloudNativePG values', () => {
  const values = { ...SECRETS, adapter: 'cnpg', cnpg: { namespace: 'databases', clusterName: 'app' } };

  it('passes --cnpg and the cluster coordinates, with the service account token mounted', () => {
    const { deployment } = render(values);
    expect(container(deployment).args).toEqual(['--cnpg', '--log-format', 'json']);
    const e = env(deployment);
    expect(e.get('DBT_CNPG_NAMESPACE')).toBe('databases');
    expect(e.get('DBT_CNPG_CLUSTER_NAME')).toBe('app');
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(ADAPTERS.map((a) => a.flag)).toContain('--cnpg');
  });

  it('grants the ServiceAccount a Role in the cluster namespace and read access to nodes', () => {
    const { find } = render(values);
    const sa = find('ServiceAccount')[0]!;
    const role = find('Role')[0]!;
    expect(role.metadata.namespace).toBe('databases');
    const rules = role.rules as Obj[];
    expect(rules).toContainEqual({
      apiGroups: ['postgresql.cnpg.io'],
      resources: ['clusters'],
      resourceNames: ['app'],
      verbs: ['get', 'patch'],
    });
    expect(
      rules.find((r) => (r.resources as string[]).includes('pods') && r.apiGroups[0] === '')!.verbs,
    ).toEqual(expect.arrayContaining(['get', 'list']));
    const binding = find('RoleBinding')[0]!;
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: role.metadata.name,
    });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'tuning' },
    ]);
    const nodes = find('ClusterRole')[0]!;
    expect(nodes.rules).toEqual([{ apiGroups: [''], resources: ['nodes', 'nodes/proxy'], verbs: ['get'] }]);
    expect(find('ClusterRoleBinding')[0]!.roleRef.name).toBe(nodes.metadata.name);
    // Nothing may write anything else.
    const writes = [...rules, ...(nodes.rules as Obj[])].filter((r) =>
      (r.verbs as string[]).some((v) => !['get', 'list', 'watch'].includes(v)),
    );
    expect(writes.map((r) => r.resources as string[])).toEqual([['clusters']]);
  });

  it('requires the cluster name', () => {
    expect(() => render({ ...SECRETS, adapter: 'cnpg' })).toThrow(/cnpg.clusterName is required/);
  });
});

describe('deploy/k8s plain manifests', () => {
  for (const spec of K8S_MANIFESTS) {
    it(`${spec.file} parses to valid objects and is the chart rendered (scripts/gen-k8s-manifests.ts)`, () => {
      const text = readFileSync(`${root}${spec.file}`, 'utf8');
      const docs = YAML.parseAllDocuments(text);
      const objects = docs.map((d) => {
        expect(d.errors).toEqual([]);
        return d.toJS() as Obj | null;
      });
      const real = objects.filter((o): o is Obj => o !== null);
      expect(real.length).toBeGreaterThanOrEqual(3);
      for (const o of real) {
        expect(validateObject(o)).toEqual([]);
        if (!['ClusterRole', 'ClusterRoleBinding'].includes(o.kind as string))
          expect(o.metadata.namespace, `${o.kind as string} namespace`).toBeTruthy();
      }
      expect(text).toBe(renderManifest(root, spec));
    });
  }
});

describe('helm-template renderer', () => {
  it('rejects template features it does not implement rather than rendering them differently', () => {
    expect(() => renderChart(`${root}test/unit/fixtures/helm-unsupported`)).toThrow(/unsupported/);
  });
});
