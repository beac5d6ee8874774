/**
 * Hardware metrics for a Patroni member: the host's CPU, memory and disk I/O, from the local
 * adapter's collector (one agent per node, docs/ADAPTERS.md §9).
 */
export { hostHardwareCollector } from '../local/metrics.js';
