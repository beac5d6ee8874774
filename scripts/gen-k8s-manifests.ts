/**
 * Writes the plain manifests in deploy/k8s/ by rendering the Helm chart with example values, so the
 * two never disagree (test/unit/helm-chart.test.ts fails when a file is stale).
 * Run: npx tsx scripts/gen-k8s-manifests.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { K8S_MANIFESTS, renderManifest } from '../test/harness/k8s-manifests.js';

const root = fileURLToPath(new URL('../', import.meta.url));
for (const m of K8S_MANIFESTS) {
  writeFileSync(`${root}${m.file}`, renderManifest(root, m));
  process.stdout.write(`wrote ${m.file}\n`);
}
