/**
 * The fault suite (test/faults): real clusters, the built CLI, injected failures. Run with
 * `npx vitest run --config test/faults/vitest.faults.config.ts` after `npm run build`.
 * Files run one at a time: each owns its clusters and the machine is small.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export default defineConfig({
  root,
  test: {
    name: 'faults',
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
