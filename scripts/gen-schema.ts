/**
 * Writes dbtune.schema.json from the zod config schema (src/config/json-schema.ts), formatted
 * with the repository's prettier settings so `prettier --check` passes. Run after changing the
 * schema: `npx tsx scripts/gen-schema.ts`. A unit test fails while the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { buildJsonSchema } from '../src/config/json-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'dbtune.schema.json');

const options = (await prettier.resolveConfig(target)) ?? {};
const text = await prettier.format(JSON.stringify(buildJsonSchema(), null, 2), {
  ...options,
  filepath: target,
});
writeFileSync(target, text);
console.log(`wrote ${path.relative(root, target)}`);
