/**
 * The `collectors:` section (docs/PROTOCOL.md §6.2), built from the registry the caller passes in: every
 * collector gets `{ enabled, interval_seconds, options }`, where options are the collector's typed
 * extras parsed by its own optionsSchema. Intervals can only be made longer.
 */
import { coerce } from './coerce.js';
import {
  readEnvCollectors,
  readFileCollectors,
  type Given,
  type GivenValue,
  type InputContext,
} from './collectors-input.js';
import { collectorEnvName } from './env-names.js';
import { issueMessage, type Problems } from './problems.js';
import { leafKind, objectShape } from './schema-walk.js';
import type { CollectorInfo, CollectorSettings, Source } from './types.js';

export interface LegacyQueryText {
  /** Resolved `postgresql.include_queries` (env > postgresql: > postgres:), if set anywhere. */
  readonly include_queries?: GivenValue;
  /** Resolved `postgresql.maximum_query_text_length`, if set anywhere. */
  readonly max_query_text_length?: GivenValue;
}

export interface CollectorsInput {
  readonly raw: unknown;
  readonly env: NodeJS.ProcessEnv;
  readonly registry: readonly CollectorInfo[];
  readonly legacy: LegacyQueryText;
  readonly problems: Problems;
  readonly warnings: string[];
}

export interface ResolvedCollectors {
  readonly collectors: Record<string, CollectorSettings>;
  readonly sources: Record<string, Source>;
}

const BASE_FIELDS = ['enabled', 'interval_seconds'];
const PGSS = 'pg_stat_statements';

// `configurable` unset counts as configurable: only ddl and pg_index_inventory opt out.
const isConfigurable = (c: CollectorInfo) => c.configurable !== false;

function extrasShape(info: CollectorInfo) {
  return info.optionsSchema ? (objectShape(info.optionsSchema) ?? {}) : {};
}

function resolveOne(
  info: CollectorInfo,
  fields: ReadonlyMap<string, GivenValue>,
  problems: Problems,
  sources: Record<string, Source>,
): CollectorSettings {
  const name = info.name;
  const path = (field: string) => `collectors.${name}.${field}`;
  const envOf = (field: string) => fields.get(field)?.env ?? collectorEnvName(name, field);
  const typed = (field: string, kind: Parameters<typeof coerce>[1]): unknown => {
    const given = fields.get(field);
    sources[path(field)] = given?.source ?? 'default';
    if (!given) return undefined;
    const c = coerce(given.value, kind);
    if (c.ok) return c.value;
    problems.add(path(field), c.message, envOf(field));
    return undefined;
  };

  const enabled = (typed('enabled', 'boolean') as boolean | undefined) ?? true;
  let interval = info.intervalSeconds;
  const requested = typed('interval_seconds', 'integer') as number | undefined;
  if (requested !== undefined && requested < 0) {
    problems.add(path('interval_seconds'), 'must be 0 (the default) or more', envOf('interval_seconds'));
  } else if (requested !== undefined && requested > 0 && requested < info.intervalSeconds) {
    problems.add(
      path('interval_seconds'),
      `${requested} s is below the default of ${info.intervalSeconds} s: the interval can only slow collection down`,
      envOf('interval_seconds'),
    );
  } else if (requested !== undefined && requested > 0) {
    interval = requested;
  }

  const shape = extrasShape(info);
  const input: Record<string, unknown> = {};
  for (const [field, schema] of Object.entries(shape)) {
    const value = typed(field, leafKind(schema));
    if (value !== undefined) input[field] = value;
  }
  let options: Record<string, unknown> = {};
  if (info.optionsSchema) {
    const parsed = info.optionsSchema.safeParse(input);
    if (parsed.success) {
      options = (parsed.data ?? {}) as Record<string, unknown>;
    } else {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '');
        const where = issue.path.length > 0 ? path(issue.path.join('.')) : `collectors.${name}`;
        problems.add(where, issueMessage(issue), field ? envOf(field) : null);
      }
    }
  }
  return { enabled, interval_seconds: interval, options };
}

/** Legacy precedence (docs/PROTOCOL.md §6.2): the collector key (YAML or env) wins over `postgresql.*`. */
function applyLegacy(given: Given, known: ReadonlyMap<string, CollectorInfo>, legacy: LegacyQueryText): void {
  const info = known.get(PGSS);
  if (!info) return;
  const shape = extrasShape(info);
  let fields = given.get(PGSS);
  for (const [field, value] of Object.entries(legacy) as [string, GivenValue | undefined][]) {
    if (!value || !(field in shape) || fields?.has(field)) continue;
    if (!fields) given.set(PGSS, (fields = new Map<string, GivenValue>()));
    fields.set(field, value);
  }
}

export function resolveCollectors(input: CollectorsInput): ResolvedCollectors {
  const known = new Map(input.registry.filter(isConfigurable).map((c) => [c.name, c] as const));
  const ctx: InputContext = {
    known,
    registry: input.registry,
    fieldsOf: (info) => [...BASE_FIELDS, ...Object.keys(extrasShape(info))],
    problems: input.problems,
    warnings: input.warnings,
  };
  const given: Given = new Map();
  readFileCollectors(input.raw, ctx, given);
  readEnvCollectors(input.env, ctx, given); // env overrides YAML per field
  applyLegacy(given, known, input.legacy);

  const collectors: Record<string, CollectorSettings> = {};
  const sources: Record<string, Source> = {};
  for (const info of input.registry) {
    collectors[info.name] = resolveOne(
      info,
      given.get(info.name) ?? new Map<string, GivenValue>(),
      input.problems,
      sources,
    );
  }
  return { collectors, sources };
}
