/**
 * The three systeminformation functions the local adapter uses, loaded from the library's own
 * modules (`lib/cpu.js`, `lib/memory.js`, `lib/osinfo.js`) instead of its index.
 *
 * The index requires all 20 modules (graphics, wifi, bluetooth, printers, …) at start-up: 10.4 MiB
 * of RSS in a bare Node 20 process against 3.5 MiB for these three (measured 2026-11-25,
 * systeminformation 5.33.23, with the launcher's V8 flags). The agent's RSS budget is 100 MB.
 * On Windows the index also runs start-up probes (code page, PowerShell) the modules rely on, so
 * there the index is loaded as usual.
 */
import { createRequire } from 'node:module';
import type { Systeminformation } from 'systeminformation';

export interface HostProbes {
  currentLoad(): Promise<Systeminformation.CurrentLoadData>;
  mem(): Promise<Systeminformation.MemData>;
  osInfo(): Promise<Systeminformation.OsData>;
}

const require = createRequire(import.meta.url);

function load(): HostProbes {
  if (process.platform === 'win32') return require('systeminformation') as HostProbes;
  const cpu = require('systeminformation/lib/cpu.js') as Pick<HostProbes, 'currentLoad'>;
  const memory = require('systeminformation/lib/memory.js') as Pick<HostProbes, 'mem'>;
  const os = require('systeminformation/lib/osinfo.js') as Pick<HostProbes, 'osInfo'>;
  return { currentLoad: () => cpu.currentLoad(), mem: () => memory.mem(), osInfo: () => os.osInfo() };
}

export const si: HostProbes = load();
