/** Guardrails: the pure decision plus the memory readings adapters can feed it. */
export { evaluate } from './evaluate.js';
export { GuardrailThrottle } from './throttle.js';
export { hostReadingFromMeminfo, parseMeminfo, readHostMemory } from './host-memory.js';
export { detectCgroup, readCgroupMemory, readContainerMemory } from './cgroup.js';
export type { CgroupLocation, CgroupVersion } from './cgroup.js';
export type { GuardrailSettings, MemoryReading } from './types.js';
