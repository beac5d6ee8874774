/**
 * Hardware metrics for a Patroni member: the host's CPU, memory and disk I/O, from the local
 * adapter's collector (one agent per node, facts §7.8).
 */
export { hostHardwareCollector } from '../local/metrics.js';
