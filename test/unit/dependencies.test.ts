/**
 * `dependencies` lists exactly what the production code (what `npm run build` compiles, tests
 * excluded) imports at run time: every runtime import is a dependency, not a devDependency or a
 * package that merely happens to be installed; and every dependency is imported — or belongs to an
 * adapter that is not built yet (PLANNED), and is then imported as soon as that adapter has a loader.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../adapters/index.js';
import type { AdapterId } from '../../adapters/types.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const build = JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as {
  include: string[];
};

/** The SDKs of adapters being built; each must be imported once its adapter has a loader. */
const PLANNED: Readonly<Record<string, readonly AdapterId[]>> = {
  '@aws-sdk/client-cloudwatch': ['rds', 'aurora'],
  '@aws-sdk/client-rds': ['rds', 'aurora'],
  '@azure/arm-postgresql-flexible': ['azure-flex'],
  '@azure/identity': ['azure-flex'],
  '@google-cloud/monitoring': ['cloudsql'],
  '@google-cloud/sql': ['cloudsql'],
  'google-auth-library': ['cloudsql'],
  '@kubernetes/client-node': ['cnpg'],
};

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Package name of a bare specifier (`@scope/name/sub` → `@scope/name`), or null for relative/builtin. */
function packageOf(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** Runtime imports (type-only imports excluded) of one file → package names. */
function runtimeImports(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*import\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /^\s*export\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire(?:\.resolve)?\(\s*['"`]([^'"`$]+)['"`]/g,
  ];
  for (const re of patterns)
    for (const m of text.matchAll(re)) {
      const name = packageOf(m[1]!);
      if (name) found.push(name);
    }
  return found;
}

const production = new Map<string, string[]>(); // package → files
for (const dir of build.include)
  for (const file of sources(path.join(root, dir)))
    for (const name of runtimeImports(readFileSync(file, 'utf8')))
      production.set(name, [...(production.get(name) ?? []), path.relative(root, file)]);

describe('dependencies match use', () => {
  it('every package the production code imports is a dependency', () => {
    const missing = [...production].filter(([name]) => !(name in pkg.dependencies));
    expect(missing.map(([name, files]) => `${name} (${files[0]!})`)).toEqual([]);
  });

  it('every dependency is imported by production code, or planned for an adapter not built yet', () => {
    const built = new Set(ADAPTERS.filter((a) => a.load).map((a) => a.id));
    const unused = Object.keys(pkg.dependencies).filter((name) => {
      if (production.has(name)) return false;
      const planned = PLANNED[name];
      return !planned || planned.some((id) => built.has(id));
    });
    expect(unused).toEqual([]);
  });

  it('the PostgreSQL binary packages stay devDependencies (the demo names them when missing)', () => {
    for (const major of [13, 14, 15, 16, 17, 18]) {
      expect(pkg.devDependencies[`pg${major}`]).toBeDefined();
      expect(pkg.dependencies[`pg${major}`]).toBeUndefined();
    }
    expect(production.get('pg17')).toBeUndefined(); // resolved by name at run time, see cluster.ts
  });
});
