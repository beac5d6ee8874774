/**
 * dbtune.schema.json, generated from the zod schema (scripts/gen-schema.ts writes it; a test
 * fails when the committed file is stale). Editors use it to complete and check dbtune.yaml.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

type JsonObject = Record<string, unknown>;

// Generic shape: the registry (and so each collector's typed extras) is not known here.
const COLLECTOR_ENTRY: JsonObject = {
  type: 'object',
  description: 'Settings of one catalog collector; typed extras (e.g. diff_limit) depend on the collector.',
  properties: {
    enabled: { type: 'boolean', default: true, description: 'Run this collector.' },
    interval_seconds: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: "Seconds between runs; 0 = the collector's default. Can only be longer than the default.",
    },
  },
  additionalProperties: true,
};

export function buildJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(configSchema, { io: 'input' }) as JsonObject;
  const properties = { ...(schema.properties as Record<string, JsonObject>) };
  const postgresql = properties.postgresql ?? {};
  properties.postgres = {
    ...postgresql,
    description: 'Legacy alias of postgresql (Go agent compatibility); postgresql wins key by key.',
  };
  properties.collectors = {
    type: 'object',
    description: 'Catalog collectors by name (docs/PROTOCOL.md §6.2); env DBT_COLLECTOR_<NAME>_<FIELD>.',
    additionalProperties: COLLECTOR_ENTRY,
  };
  return {
    ...schema,
    $id: 'https://github.com/dbtuneai/dbtune-agent/dbtune.schema.json',
    title: 'dbtune-agent configuration',
    properties,
  };
}
