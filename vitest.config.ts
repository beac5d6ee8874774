import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Two suites: `unit` (pure logic, no I/O, beside the code or in test/unit) and `integration`
// (real PostgreSQL clusters, the built CLI, wire-level simulations; everything under test/ except unit).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'src/**/*.test.ts',
            'adapters/**/*.test.ts',
            'collectors/**/*.test.ts',
            'guardrails/**/*.test.ts',
            'test/unit/**/*.test.ts',
          ],
          testTimeout: 20_000,
        },
      },
      {
        // Injected failures against real clusters and the built CLI (docs/RELIABILITY.md).
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          // Read by Node at worker start: trust the Azure simulation's self-signed https certificate.
          env: {
            NODE_EXTRA_CA_CERTS: fileURLToPath(
              new URL('test/harness/azure-sim/tls/cert.pem', import.meta.url),
            ),
          },
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
