/** The plain manifests of deploy/k8s/: the Helm chart rendered with example values. */
import path from 'node:path';
import { renderChart } from './helm-template.js';

export interface ManifestSpec {
  file: string;
  header: string;
  values: Record<string, unknown>;
}

const EXAMPLE_SECRETS = {
  apiKey: '00000000-0000-0000-0000-000000000000',
  connectionUrl: 'postgresql://dbtune:CHANGE-ME@postgres.example.internal:5432/postgres',
  dbtune: { databaseId: '00000000-0000-0000-0000-000000000000' },
};

export const K8S_MANIFESTS: readonly ManifestSpec[] = [
  {
    file: 'deploy/k8s/dbtune-agent.yaml',
    header:
      'The agent for a database it reaches by URL (the adapter is detected from DBT_* variables; add\n' +
      "them under env). Replace the Secret's values and the image, then: kubectl apply -n <ns> -f this file.",
    values: EXAMPLE_SECRETS,
  },
  {
    file: 'deploy/k8s/dbtune-agent-cnpg.yaml',
    header:
      'The agent for a CloudNativePG Cluster named "app" in namespace "databases", with the RBAC the\n' +
      "cnpg adapter needs. Replace the Secret's values and the image, then: kubectl apply -f this file.",
    values: { ...EXAMPLE_SECRETS, adapter: 'cnpg', cnpg: { clusterName: 'app' } },
  },
];

/** The file's contents: a header, then the chart rendered as release "dbtune-agent". */
export function renderManifest(root: string, spec: ManifestSpec): string {
  const namespace = spec.values.adapter === 'cnpg' ? 'databases' : 'default';
  const { files } = renderChart(path.join(root, 'deploy/helm/dbtune-agent'), {
    release: 'dbtune-agent',
    namespace,
    service: 'kubectl', // app.kubernetes.io/managed-by
    values: spec.values,
  });
  const head = [
    '# Generated from deploy/helm/dbtune-agent by scripts/gen-k8s-manifests.ts; do not edit.',
    ...spec.header.split('\n').map((l) => `# ${l}`),
  ].join('\n');
  const docs = [...files.values()].map((t) => t.trim()).filter((t) => t !== '');
  return `${head}\n${docs.map((d) => `---\n${d}\n`).join('')}`;
}
