/** This package's own package.json (version, the pinned PostgreSQL binary packages), read once. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageJson {
  name: string;
  version: string;
  devDependencies?: Record<string, string>;
}

function find(): { file: string; pkg: PackageJson } {
  // src/ (tsx) or dist/src/ (built, installed): walk up until our package.json.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
      if (pkg.name === 'dbtune-agent') return { file, pkg };
    } catch {
      // keep walking
    }
    dir = path.dirname(dir);
  }
  throw new Error('package.json of dbtune-agent not found');
}

let cached: { file: string; pkg: PackageJson } | undefined;

export function packageJson(): PackageJson {
  cached ??= find();
  return cached.pkg;
}

/** The folder holding package.json: the checkout, or node_modules/dbtune-agent once installed. */
export function packageRoot(): string {
  cached ??= find();
  return path.dirname(cached.file);
}
