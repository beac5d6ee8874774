/**
 * The apply engine (docs/ARCHITECTURE.md "Apply engine"): one executor for every adapter, with the
 * platform's verbs supplied by a settings backend (backend.ts). Planning is pure (plan.ts), the
 * executor owns the sequence and the guarantees (engine.ts).
 */
export {
  ALLOWLIST_GROUPS,
  DEFAULT_ALLOWLIST,
  DENYLIST,
  DENY_PATTERNS,
  createKnobPolicy,
  denyReason,
} from './allowlist.js';
export type { KnobPolicy } from './allowlist.js';
export type { Activation, PrivilegeGap, RestoreContext, SettingsBackend } from './backend.js';
export { createApplyEngine, stepMessage } from './engine.js';
export type { ApplyEngine, ApplyEngineOptions, EngineConfig, EngineTiming } from './engine.js';
export { formatPlan } from './format-plan.js';
export { formatSetting, parseProposal } from './parse.js';
export type { ParsedKnob, ParsedProposal } from './parse.js';
export { ApplyValidationError, planChanges } from './plan.js';
export type { PlanInput } from './plan.js';
export { readPendingRestart, readSettingRows, SETTINGS_SQL } from './settings-read.js';
export { alterSystemReset, alterSystemSet, quoteIdent, quoteLiteral } from './sql.js';
export { forbiddenCharacter, normalizeValue, sameValue } from './value.js';
export { readBack, waitReady } from './wait.js';
export type * from './types.js';
