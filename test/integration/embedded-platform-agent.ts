/**
 * A simulated agent for the embedded platform tests: the REAL PlatformClient, an in-memory
 * pg_settings, and a synthetic workload whose TPS depends on the applied configuration. Proposals are
 * parsed by the agent's own parser (src/apply/parse.ts), so values reach "pg_settings" formatted the
 * way the real agent writes them (%.6g for reals, truncated integers).
 */
import { randomUUID } from 'node:crypto';
import { parseProposal } from '../../src/apply/parse.js';
import type { Logger } from '../../src/log.js';
import { PlatformClient, rfc3339Utc, type ConfigRow, type Proposal } from '../../src/platform/index.js';
import { buildSpace, type SystemInfo } from '../../src/embedded/tuner/index.js';
import { PG_DEFAULTS } from '../unit/tuner/fixtures.js';

export const MACHINE: SystemInfo = {
  memoryBytes: 16 * 1024 ** 3,
  cpuCount: 8,
  maxConnections: 100,
  pgMajor: 16,
  restartsAllowed: true,
};

/** PostgreSQL 16 defaults (base units) for the tuner's knobs. */
export const DEFAULTS: Record<string, number | string> = PG_DEFAULTS;

const VARTYPE = { int: 'integer', real: 'real', enum: 'enum', bool: 'bool' } as const;

export function silentLogger(): Logger {
  const noop = (): void => undefined;
  const log = { debug: noop, info: noop, warn: noop, error: noop, fatal: noop, trace: noop } as Record<
    string,
    unknown
  >;
  log.child = () => log;
  return log as unknown as Logger;
}

export interface SimOptions {
  url: string;
  apiKey: string;
  databaseId: string;
  allowRestart?: boolean;
  /** Return an error type to refuse the proposal (as the apply pipeline would), or null to apply it. */
  refuse?: (p: Proposal) => string | null;
}

export class SimAgent {
  readonly client: PlatformClient;
  readonly settings = new Map<string, string>();
  readonly rows: Omit<ConfigRow, 'setting'>[];
  readonly applied: Proposal[] = [];
  readonly refused: string[] = [];
  private commits = 1_000_000n;
  private last = Date.now();

  constructor(private readonly opts: SimOptions) {
    this.client = client(opts);
    const space = buildSpace(MACHINE);
    this.rows = space.knobs.map((k) => ({
      name: k.name,
      unit: k.unit,
      vartype: VARTYPE[k.type],
      context: k.restart ? 'postmaster' : 'sighup',
    }));
    // A setting the tuner never touches: the platform must ignore it.
    this.rows.push({ name: 'archive_command', unit: null, vartype: 'string', context: 'sighup' });
    for (const r of this.rows) this.settings.set(r.name, String(DEFAULTS[r.name] ?? '(disabled)'));
  }

  value(name: string): number {
    return Number(this.settings.get(name));
  }

  /** Synthetic throughput: more work_mem and a lower random_page_cost help, both saturating. */
  tps(): number {
    const wm = Math.log2(this.value('work_mem') / 4096);
    const rpc = this.value('random_page_cost');
    return 1000 * (1 + 0.15 * Math.tanh(wm / 3) + (0.1 * (4 - rpc)) / 3);
  }

  async start(): Promise<void> {
    await this.client.heartbeat({
      agent_version: 'test',
      agent_start_time: rfc3339Utc(new Date()),
      agent_identifier: randomUUID(),
      allow_restart: this.opts.allowRestart ?? true,
    });
    await this.client.sendSystemInfo([
      { key: 'node_memory_total', type: 'bytes', value: MACHINE.memoryBytes },
      { key: 'node_cpu_count', type: 'int', value: MACHINE.cpuCount },
      { key: 'pg_max_connections', type: 'int', value: MACHINE.maxConnections },
      { key: 'pg_version', type: 'string', value: '16.4' },
    ]);
  }

  activeRows(): ConfigRow[] {
    return this.rows.map((r) => {
      const text = this.settings.get(r.name) ?? '';
      const numeric = r.vartype === 'integer' || r.vartype === 'real';
      return { ...r, setting: numeric && text !== '' && Number.isFinite(Number(text)) ? Number(text) : text };
    });
  }

  /** The agent's config task (docs/PROTOCOL.md §2.2): fetch, apply (or report the failure), send the active config. */
  async syncConfig(): Promise<Proposal | null> {
    const proposal = await this.client.fetchRecommendation();
    if (proposal) {
      const refusal = this.opts.refuse?.(proposal) ?? null;
      if (refusal) {
        this.refused.push(refusal);
        await this.client.reportError(refusal, `Failed to apply configuration: simulated ${refusal}`);
      } else {
        for (const k of parseProposal(proposal).knobs) this.settings.set(k.name, k.value);
        this.applied.push(proposal);
      }
    }
    await this.client.sendActiveConfig(this.activeRows());
    return proposal;
  }

  /** One collection tick: database_transactions and pg_stat_statements. */
  async sendSamples(): Promise<void> {
    const now = Date.now();
    const seconds = Math.max(0.05, (now - this.last) / 1000);
    this.last = now;
    const tps = this.tps();
    this.commits += BigInt(Math.round(tps * seconds));
    const collected_at = new Date(now).toISOString();
    await this.client.sendCatalog('database_transactions', {
      collected_at,
      rows: [{ xact_commit: this.commits, tps }],
    });
    const latency = 1000 / tps;
    await this.client.sendCatalog('pg_stat_statements', {
      collected_at,
      rows: [],
      deltas: [
        { userid: 10, dbid: 5, queryid: -4286213357432418707n, calls: 100, total_exec_time: latency * 100 },
      ],
      delta_count: 1,
      average_query_runtime: latency,
    });
  }

  /** Run config + collection ticks until `until` holds. */
  async runUntil(until: () => boolean, timeoutMs: number, tickMs = 60): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!until()) {
      if (Date.now() > deadline) throw new Error(`sim agent: condition not met within ${timeoutMs} ms`);
      await this.syncConfig();
      await this.sendSamples();
      await new Promise((r) => setTimeout(r, tickMs));
    }
  }
}

export function client(o: { url: string; apiKey: string; databaseId: string }): PlatformClient {
  return new PlatformClient({
    serverUrl: o.url,
    apiKey: o.apiKey,
    databaseId: o.databaseId,
    log: silentLogger(),
    retry: { baseDelayMs: 10, maxDelayMs: 20, attemptTimeoutMs: 2_000, maxAttempts: 2 },
    deadlines: { heartbeatMs: 3_000, catalogMs: 3_000, defaultMs: 3_000, rawLogsMs: 500 },
  });
}
