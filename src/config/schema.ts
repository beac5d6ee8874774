/**
 * The one configuration schema (docs/PROTOCOL.md §6.1, §6.3, plus our additions). YAML key names are kept as
 * property names, so `config.rds['AWS_REGION']` reads exactly like the file. Every key has a
 * description and a default; env names live in env.ts, keyed by the same dot paths, and a test
 * checks that the two cover the same keys.
 *
 * The `collectors:` section is not here: its shape comes from the collector registry passed to
 * loadConfig (see collectors.ts).
 */
import { z } from 'zod';
import { adapterSections } from './schema-adapters.js';

/** The built-in local platform (src/embedded) instead of a remote server. */
export const EMBEDDED = 'embedded';
export const DEFAULT_SERVER_URL = 'https://app.dbtune.com';

// No /i flag: the pattern is copied into dbtune.schema.json, where flags do not exist.
const UUID_OR_EMPTY = /^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// Knob names as pg_settings spells them (custom GUCs carry a dot).
const KNOB_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/** An http(s) URL with a host; Go's validator `url` rejects `app.dbtune.com` and `:8080` too. */
export function isHttpUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

const dbtune = z
  .strictObject({
    server_url: z
      .string()
      .refine((v) => v === EMBEDDED || isHttpUrl(v), {
        message: `must be an http(s) URL with a scheme (e.g. ${DEFAULT_SERVER_URL}) or "${EMBEDDED}"`,
      })
      .default(DEFAULT_SERVER_URL)
      .describe(
        `Platform base URL, or "${EMBEDDED}" for the built-in local platform (no account, no network).`,
      ),
    api_key: z
      .string()
      .regex(UUID_OR_EMPTY, 'must be a UUID')
      .default('')
      .describe('Platform API key (UUID); required unless server_url is "embedded". Secret.'),
    database_id: z
      .string()
      .regex(UUID_OR_EMPTY, 'must be a UUID')
      .default('')
      .describe('Platform database id (UUID); required unless server_url is "embedded".'),
  })
  .prefault({})
  .describe('Tuning platform connection.');

const postgresql = z
  .strictObject({
    connection_url: z
      .string()
      .default('')
      .describe('PostgreSQL connection URL or key=value DSN (required). Its password is a secret.'),
    service_name: z
      .string()
      .default('')
      .describe('systemd unit restarted by the local adapter when a restart is needed.'),
    restart_script_path: z
      .string()
      .default('')
      .describe('Executable run by the local adapter to restart PostgreSQL; wins over service_name.'),
    allow_restart: z
      .boolean()
      .default(false)
      .describe('Allow applying knobs that need a PostgreSQL restart.'),
    include_queries: z
      .boolean()
      .optional()
      .describe('Legacy: used for collectors.pg_stat_statements.include_queries when that is unset.'),
    maximum_query_text_length: z
      .number()
      .int()
      .min(0)
      .max(8192)
      .optional()
      .describe('Legacy: used for collectors.pg_stat_statements.max_query_text_length when that is unset.'),
    pool_max: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe('Ours: maximum connections the agent opens.'),
    statement_timeout_ms: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('Ours: statement_timeout of agent sessions in ms (0 disables).'),
    lock_timeout_ms: z
      .number()
      .int()
      .min(0)
      .default(1_000)
      .describe('Ours: lock_timeout of agent sessions in ms (0 disables).'),
    restart_timeout_seconds: z
      .number()
      .int()
      .min(1)
      .default(300)
      .describe('Ours: how long to wait for PostgreSQL to accept connections after a restart.'),
  })
  .prefault({})
  .describe('The PostgreSQL server to tune (the section alias `postgres:` is accepted).');

const guardrailSettings = z
  .strictObject({
    memory_threshold: z
      .number()
      .min(1)
      .max(100)
      .default(90)
      .describe('Memory use (percent) above which a critical guardrail signal is raised.'),
  })
  .prefault({})
  .describe('Guardrails.');

const knobList = z.array(z.string().regex(KNOB_NAME, 'must be a PostgreSQL parameter name'));

const tuning = z
  .strictObject({
    allowlist_add: knobList
      .default([])
      .describe('Ours: parameters added to the built-in allowlist of tunable knobs.'),
    allowlist_remove: knobList
      .default([])
      .describe('Ours: parameters removed from the built-in allowlist of tunable knobs.'),
    dry_run: z.boolean().default(false).describe('Ours: validate and log proposals without applying them.'),
  })
  .prefault({})
  .describe('Ours: what the agent may change.');

/** `host:port` for the service endpoints; a bare port or an IPv6 `[addr]:port` too. */
export const LISTEN_ADDRESS = /^$|^(?:(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):)?\d{1,5}$/;

const health = z
  .strictObject({
    listen: z
      .string()
      .regex(LISTEN_ADDRESS, 'must be host:port (e.g. 127.0.0.1:9188), or empty to turn the endpoints off')
      .default('')
      .describe(
        'Ours: address of the service endpoints /healthz, /readyz, /metrics (Prometheus) and the approval API, e.g. 127.0.0.1:9188; empty: off.',
      ),
  })
  .prefault({})
  .describe('Ours: service endpoints for probes and Prometheus (docs/OPERATIONS.md).');

const approval = z
  .strictObject({
    token: z
      .string()
      .default('')
      .describe(
        'Ours: bearer token for the approval API on health.listen (POST /proposals/<id>/approve|reject); required when apply_mode is "approve". Secret.',
      ),
    expiry_minutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(60)
      .describe(
        'Ours: how long a pending proposal waits for approval before it expires and is never applied.',
      ),
  })
  .prefault({})
  .describe('Ours: approval mode (apply_mode: approve).');

export const APPLY_MODES = ['auto', 'approve'] as const;

export const configSchema = z
  .strictObject({
    debug: z.boolean().default(false).describe('Debug log level.'),
    disable_checks: z.boolean().default(false).describe('Skip the startup checks.'),
    startup_timeout: z
      .number()
      .int()
      .min(0)
      .default(300)
      .describe(
        'Ours: seconds to keep retrying at startup while the platform answers 5xx, refuses or times out, or the database is starting up (0: no retry).',
      ),
    apply_mode: z
      .enum(APPLY_MODES)
      .default('auto')
      .describe(
        'Ours: "auto" applies validated proposals; "approve" holds each one until `dbtune-agent approve <id>` (or the approval API).',
      ),
    dbtune,
    postgresql,
    guardrail_settings: guardrailSettings,
    tuning,
    health,
    approval,
    ...adapterSections,
  })
  .describe('dbtune-agent configuration (dbtune.yaml).');

export type BaseConfig = z.output<typeof configSchema>;

/** Top-level keys that are values, not sections. */
const TOP_LEAVES: ReadonlySet<string> = new Set(['debug', 'disable_checks', 'startup_timeout', 'apply_mode']);

/** Top-level sections (objects), in schema order. */
export const SECTIONS = Object.keys(configSchema.shape).filter((k) => !TOP_LEAVES.has(k));
