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
          // Most of this suite's wall time is waiting (agent intervals, restarts, platform polls):
          // serial, it used 8 CPU-minutes in 20 wall-minutes on 2 cores. Three files at a time keep
          // both cores busy. Every file owns its clusters, ports, temp dirs and process checks
          // (scoped by port or path), so files do not see each other.
          fileParallelism: true,
          maxWorkers: 3,
        },
      },
    ],
  },
});
