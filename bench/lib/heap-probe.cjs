// Preloaded into the agent by bench/memory-breakdown.ts (NODE_OPTIONS=--require): after
// PROBE_AFTER_MS, writes V8 heap figures and the loaded CommonJS modules to PROBE_OUT as JSON.
// CommonJS so it runs before the ESM entry point and needs no loader thread (an ESM loader hook
// would start a worker isolate and inflate the very figure being measured).
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');

setTimeout(
  () => {
    const spaces = Object.fromEntries(
      v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]),
    );
    const modules = Object.keys(require.cache);
    fs.writeFileSync(
      process.env.PROBE_OUT,
      JSON.stringify({ memory: process.memoryUsage(), heap: v8.getHeapStatistics(), spaces, modules }),
    );
  },
  Number(process.env.PROBE_AFTER_MS ?? 30000),
).unref();
