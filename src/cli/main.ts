#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=262144 node --max-semi-space-size=1 --optimize-for-size
/**
 * Entry point. The only place that ends the process: every command returns an exit code
 * (0 ok, 1 runtime failure, 2 usage or configuration error).
 *
 * The first line is how an installed agent starts (the `dbtune-agent` bin, the systemd unit), and
 * deploy/container/Dockerfile repeats it (test/unit/deploy.test.ts keeps the two equal). The
 * agent is a long-lived process with a small, steady working set, so it trades a little CPU for
 * memory: a 1 MiB young generation instead of V8's 16 MiB default (which alone is ~30 MB of RSS),
 * V8's size-over-speed heuristics, two glibc malloc arenas instead of eight per core for V8's
 * worker threads, and fixed malloc mmap/trim thresholds (glibc otherwise raises them after each
 * large transient buffer, such as a gzipped payload, and keeps the freed memory). Measured in
 * docs/PERFORMANCE.md (collection, memory); each setting was kept only if it lowered RSS there.
 */
import { runCli } from './program.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runCli(process.argv).then(
  // Exit explicitly: stdout/stderr writes are synchronous on Linux, and a command that returned
  // has already closed what it opened; nothing else may keep the agent alive after that.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`dbtune-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
