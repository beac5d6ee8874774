/** The agent's version, read once from package.json. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageJson(): string {
  // src/cli (tsx) or dist/src/cli (built): walk up until package.json.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
      if (pkg.name === 'dbtune-agent') return candidate;
    } catch {
      // keep walking
    }
    dir = path.dirname(dir);
  }
  throw new Error('cli: package.json not found');
}

export const AGENT_VERSION: string = (
  JSON.parse(readFileSync(findPackageJson(), 'utf8')) as { version: string }
).version;

export function versionLine(): string {
  return `dbtune-agent ${AGENT_VERSION} (node ${process.version})`;
}
