export { PlatformClient, type PlatformClientOptions, type CallOptions } from './client.js';
export { DEFAULT_DEADLINES, type PlatformDeadlines } from './endpoints.js';
export { PlatformError, type PlatformErrorReason, type PlatformErrorDetails } from './platform-error.js';
export {
  DEFAULT_RETRY,
  isRetryableStatus,
  backoffDelay,
  parseRetryAfter,
  type RetrySettings,
} from './http.js';
export {
  formatMetrics,
  formatSystemInfo,
  formatActiveConfig,
  normalizeConfigRows,
  systemInfoHash,
  decodeRecommendation,
  roundTo3,
  RecommendationDecodeError,
} from './format.js';
export { encodeJson, goJson, goString, sha256Hex } from './json.js';
export { parseJsonLossless, JsonParseError } from './json-parse.js';
export { rfc3339Local, rfc3339Utc } from './time.js';
export {
  RawLogForwarder,
  toRawLogEntry,
  wireLevel,
  type RawLogLine,
  type RawLogSender,
  type RawLogForwarderOptions,
} from './raw-logs.js';
export type * from './types.js';
