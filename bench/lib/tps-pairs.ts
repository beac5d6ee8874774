/**
 * pgbench TPS with the installed agent running vs without, in interleaved pairs whose order
 * alternates, so drift in the shared machine's load falls on both arms alike; the figure is the
 * median of the per-pair ratios. Each run settles first (with the agent: started at the beginning
 * of the settle, so its bootstrap reads are over), as in bench/overhead.ts.
 */
import type { PgCluster } from '../../src/embedded/cluster.js';
import { withAgent } from './agent.js';
import { pgbenchRun } from './pgbench.js';
import { sleep, summarize, type Summary } from './stats.js';

export const TPS_LOAD = { clients: 4, threads: 2 };
const SETTLE_S = 15;

export interface TpsPairs {
  seconds: number;
  pairs: { order: 'without-first' | 'with-first'; without: number; with: number; ratio: number }[];
  ratio: Summary;
}

export async function tpsPairs(
  cluster: PgCluster,
  agentUrl: string,
  n: number,
  seconds: number,
  log: (line: string) => void,
): Promise<TpsPairs> {
  const run = async () => (await pgbenchRun(cluster, { ...TPS_LOAD, seconds })).tps;
  const without = async () => {
    await sleep(SETTLE_S * 1000);
    return run();
  };
  const withAgentRun = () =>
    withAgent(agentUrl, async (agent) => {
      await sleep(SETTLE_S * 1000);
      const tps = await run();
      if (agent.child.exitCode !== null) throw new Error(`agent exited: ${agent.stderr().slice(-1000)}`);
      return tps;
    });
  const pairs: TpsPairs['pairs'] = [];
  for (let i = 0; i < n; i++) {
    const withoutFirst = i % 2 === 0;
    const a = withoutFirst ? await without() : await withAgentRun();
    const b = withoutFirst ? await withAgentRun() : await without();
    const [wo, wi] = withoutFirst ? [a, b] : [b, a];
    pairs.push({
      order: withoutFirst ? 'without-first' : 'with-first',
      without: wo,
      with: wi,
      ratio: wi / wo,
    });
    log(`tps pair ${i + 1}: without ${wo.toFixed(0)}, with ${wi.toFixed(0)}, ratio ${(wi / wo).toFixed(3)}`);
  }
  return { seconds, pairs, ratio: summarize(pairs.map((p) => p.ratio)) };
}
