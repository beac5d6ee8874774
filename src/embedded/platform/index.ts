/**
 * The embedded platform: the DBtune agent API on 127.0.0.1 with the built-in tuner behind it.
 */
export { startEmbeddedPlatform } from './server.js';
export type {
  ConfigPerformance,
  EmbeddedPlatform,
  EmbeddedPlatformOptions,
  IterationReport,
  MeasurementReport,
  Phase,
  SessionReport,
  SessionStatus,
  WindowStatus,
} from './types.js';
export { REPORT_FILE, STATE_FILE } from './state-store.js';
