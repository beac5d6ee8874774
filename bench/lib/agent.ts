/**
 * The built agent CLI (`dist/src/cli/main.js --local`) against the in-process fake platform, as a
 * child process: what an operator runs, with default intervals, started through the file's own
 * first line (`#!/usr/bin/env -S … node <V8 flags>`) as the installed `dbtune-agent` bin is.
 */
import { existsSync, statSync } from 'node:fs';
import { startAgent, CLI, type AgentProcess } from '../../test/harness/agent-process.js';
import { FakePlatform } from '../../test/harness/fake-platform.js';

export { CLI, FakePlatform, type AgentProcess };

/** Throw unless the CLI is built (run.ts builds it; single benches expect `npm run build` first). */
export function requireBuiltCli(): string {
  if (!existsSync(CLI)) throw new Error(`bench: ${CLI} missing; run npm run build first`);
  return `${CLI} (built ${statSync(CLI).mtime.toISOString()})`;
}

export function agentEnv(fake: FakePlatform, connectionUrl: string): Record<string, string> {
  return {
    DBT_POSTGRESQL_CONNECTION_URL: connectionUrl,
    DBT_DBTUNE_SERVER_URL: fake.url,
    DBT_DBTUNE_API_KEY: fake.apiKey,
    DBT_DBTUNE_DATABASE_ID: fake.databaseId,
  };
}

/** Start `--local` against `fake`; the caller must `stop()` it (try/finally). */
export function startLocalAgent(fake: FakePlatform, connectionUrl: string): AgentProcess {
  requireBuiltCli();
  return startAgent(['--local'], agentEnv(fake, connectionUrl), { launcher: true });
}

/** Run `fn` with a fake platform and a running agent; both are always stopped. */
export async function withAgent<T>(
  connectionUrl: string,
  fn: (agent: AgentProcess, fake: FakePlatform) => Promise<T>,
): Promise<T> {
  const fake = await FakePlatform.start();
  let agent: AgentProcess | undefined;
  try {
    agent = startLocalAgent(fake, connectionUrl);
    return await fn(agent, fake);
  } finally {
    await agent?.stop().catch(() => undefined);
    await fake.close();
  }
}
