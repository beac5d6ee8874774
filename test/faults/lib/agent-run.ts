/**
 * Launching the built agent for a fault scenario and the checks every scenario shares: the process
 * is alive (or exited as expected) and its output holds no secret.
 */
import { expect } from 'vitest';
import { startAgent, type AgentProcess } from '../../harness/agent-process.js';
import { AGENT_PASSWORD } from './agent-role.js';
import { note } from './observed.js';

export interface PlatformTarget {
  url: string;
  apiKey: string;
  databaseId: string;
}

/** 10× faster schedule: heartbeat every 1.5 s, metrics and config every 0.5 s. */
export const FAST = '0.1';

export function agentEnv(
  platform: PlatformTarget,
  connectionUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DBT_POSTGRESQL_CONNECTION_URL: connectionUrl,
    DBT_DBTUNE_SERVER_URL: platform.url,
    DBT_DBTUNE_API_KEY: platform.apiKey,
    DBT_DBTUNE_DATABASE_ID: platform.databaseId,
    DBTUNE_AGENT_INTERVAL_SCALE: FAST,
    ...extra,
  };
}

export function launchAgent(
  platform: PlatformTarget,
  connectionUrl: string,
  extra: Record<string, string> = {},
): AgentProcess {
  return startAgent(['--local'], agentEnv(platform, connectionUrl, extra));
}

/** Neither the API key nor the database password may appear anywhere in the agent's output. */
export function expectNoSecrets(agent: AgentProcess, apiKey: string, extra: string[] = []): void {
  const output = agent.stdout() + agent.stderr();
  for (const secret of [apiKey, AGENT_PASSWORD, ...extra]) {
    expect(output.includes(secret), `secret ${secret.slice(0, 4)}… in agent output`).toBe(false);
  }
}

export function expectAlive(agent: AgentProcess): void {
  expect(agent.child.exitCode, `agent exited; stderr: ${agent.stderr().slice(-1500)}`).toBeNull();
  expect(agent.child.signalCode).toBeNull();
}

/** SIGTERM: exit 0 within 10 s (run.ts's shutdown contract). */
export async function expectCleanStop(agent: AgentProcess): Promise<void> {
  const { code, ms } = await agent.stop();
  note(`SIGTERM: exit ${code} in ${ms} ms`);
  expect(code).toBe(0);
  expect(ms).toBeLessThan(10_000);
}

/** Log lines by message. */
export function logsWith(agent: AgentProcess, msg: string): Record<string, unknown>[] {
  return agent.logs().filter((l) => l.msg === msg);
}
