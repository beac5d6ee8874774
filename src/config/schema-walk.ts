/**
 * Reading the zod schema as data: which keys exist and what type each leaf expects. The loader
 * coerces env strings (and the string forms viper accepts in YAML) by leaf type before zod
 * validates, so the schema stays a plain description of the final value.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

export type LeafKind = 'boolean' | 'integer' | 'number' | 'string' | 'string[]' | 'other';

/** Strip default/prefault/optional/nullable wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable
    ) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      s = s.in as z.ZodType;
    } else {
      return s;
    }
  }
}

/** The keys of an object schema (through wrappers), or null when it is not an object. */
export function objectShape(schema: z.ZodType): Readonly<Record<string, z.ZodType>> | null {
  const s = unwrap(schema);
  return s instanceof z.ZodObject ? s.shape : null;
}

export function leafKind(schema: z.ZodType): LeafKind {
  const s = unwrap(schema);
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodNumber) return s.isInt ? 'integer' : 'number';
  if (s instanceof z.ZodString || s instanceof z.ZodEnum || s instanceof z.ZodLiteral) return 'string';
  if (s instanceof z.ZodArray) return 'string[]';
  return 'other';
}

export interface Leaf {
  readonly path: string;
  readonly kind: LeafKind;
  readonly schema: z.ZodType;
}

function walk(shape: Readonly<Record<string, z.ZodType>>, prefix: string, out: Map<string, Leaf>): void {
  for (const [key, schema] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const inner = objectShape(schema);
    if (inner) walk(inner, path, out);
    else out.set(path, { path, kind: leafKind(schema), schema });
  }
}

/** Every leaf of an object schema by dot path, in schema order. */
export function leavesOf(shape: Readonly<Record<string, z.ZodType>>): ReadonlyMap<string, Leaf> {
  const out = new Map<string, Leaf>();
  walk(shape, '', out);
  return out;
}

/** Every leaf of the main schema (without `collectors`). */
export const LEAVES: ReadonlyMap<string, Leaf> = leavesOf(configSchema.shape);

/** The keys allowed directly under a section of the main schema. */
export function sectionKeys(section: string): readonly string[] | null {
  const schema = (configSchema.shape as Record<string, z.ZodType>)[section];
  if (!schema) return null;
  const shape = objectShape(schema);
  return shape ? Object.keys(shape) : null;
}
