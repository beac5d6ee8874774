/**
 * README.md and `--help` advertise exactly the adapters built in this version: the registry
 * entries with a `load` function (adapters/index.ts). Adapters are added in parallel, so the
 * README's table is generated (scripts/readme-adapters.ts) and checked here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../adapters/index.js';
import { runCli } from '../../src/cli/program.js';
import { adapterTable, withAdapterTable } from '../../scripts/readme-adapters.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const built = ADAPTERS;
const mentions = (text: string, flag: string) => new RegExp(`${flag}(?![\\w-])`).test(text);

const ENV = {
  DBT_POSTGRESQL_CONNECTION_URL: 'postgres://agent:pw@127.0.0.1:1/app',
  DBT_DBTUNE_API_KEY: '0b9e4f5c-8d7a-4c1b-9e2f-3a4b5c6d7e8f',
  DBT_DBTUNE_DATABASE_ID: '7c6b5a49-3827-4165-9544-332211009988',
};

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'dbtune-agent', ...args], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    env: ENV,
    cwd: '/nonexistent',
  });
  return { code, out, err };
}

describe('advertised adapters', () => {
  it('README.md lists the built adapters (regenerate: npx tsx scripts/readme-adapters.ts)', () => {
    expect(readme).toContain(adapterTable(ADAPTERS));
    expect(withAdapterTable(readme, ADAPTERS)).toBe(readme);
    for (const a of built) expect(mentions(readme, a.flag), a.flag).toBe(true);
  });

  it('--help lists the built adapters and only those', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    for (const a of built) expect(mentions(out, a.flag), a.flag).toBe(true);
  });
});
