/**
 * System info for a Patroni member: one agent runs on each node, so it is the host's, read exactly
 * as the local adapter reads it (docs/ADAPTERS.md §9: "as pgprem").
 */
export { localSystemInfo as patroniSystemInfo } from '../local/system-info.js';
