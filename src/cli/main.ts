#!/usr/bin/env node
/**
 * Entry point. The only place that ends the process: every command returns an exit code
 * (0 ok, 1 runtime failure, 2 usage or configuration error).
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
