/**
 * `dbtune-agent pending | approve <id> | reject <id> [--reason <text>]`: talk to the running agent's
 * approval API on `health.listen` (src/service/server.ts), with the bearer token from the same
 * configuration the agent reads. The agent holds the proposals; these commands only decide.
 */
import type { HeldView } from '../../agent/approval.js';
import { scrub } from '../../log.js';
import { parseListen } from '../../service/listen.js';
import { EXIT_OK, EXIT_RUNTIME } from '../exit-codes.js';
import type { GlobalOptions, Io } from '../program.js';
import { loadForCli } from '../setup.js';
import { UsageError } from '../usage-error.js';

/** The agent's API base URL; a wildcard listen address is reached on loopback. */
export function apiBase(listen: string): string {
  const { host, port } = parseListen(listen);
  const h = host === undefined || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

function target(g: GlobalOptions, io: Io): { base: string; token: string } {
  const { config } = loadForCli(g, io);
  if (config.apply_mode !== 'approve') {
    throw new UsageError('apply_mode is not "approve" in this configuration (env: DBT_APPLY_MODE)');
  }
  return { base: apiBase(config.health.listen), token: config.approval.token };
}

async function call(
  io: Io,
  t: { base: string; token: string },
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown } | undefined> {
  try {
    const res = await fetch(`${t.base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${t.token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, json: await res.json() };
  } catch (err) {
    const why =
      err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    io.err(`dbtune-agent: cannot reach the agent's approval API at ${t.base}: ${scrub(why)}\n`);
    return undefined;
  }
}

function describe(p: HeldView): string {
  const head = `${p.id}  ${p.state}  received ${p.received_at}  expires ${p.expires_at}${p.restart ? '  (needs a restart)' : ''}`;
  const lines = p.changes.map((c) => `    ${c.text}  (now ${c.current}${c.unit ? ` ${c.unit}` : ''})`);
  return [head, ...lines, ...(p.note ? [`    note: ${p.note}`] : [])].join('\n');
}

function errorOf(json: unknown): string {
  return typeof json === 'object' && json !== null && 'error' in json
    ? String(json.error)
    : JSON.stringify(json);
}

export async function pendingCommand(g: GlobalOptions, io: Io): Promise<number> {
  const t = target(g, io);
  const res = await call(io, t, 'GET', '/proposals');
  if (!res) return EXIT_RUNTIME;
  if (res.status !== 200) {
    io.err(`dbtune-agent: approval API: ${res.status}: ${errorOf(res.json)}\n`);
    return EXIT_RUNTIME;
  }
  const list = (res.json as { proposals: HeldView[] }).proposals;
  if (list.length === 0) io.out('no proposals held\n');
  for (const p of list) io.out(`${describe(p)}\n`);
  return EXIT_OK;
}

export async function decideCommand(
  verb: 'approve' | 'reject',
  id: string,
  reason: string | undefined,
  g: GlobalOptions,
  io: Io,
): Promise<number> {
  if (!/^[0-9a-f]{1,32}$/.test(id))
    throw new UsageError(`${id}: not a proposal id (see dbtune-agent pending)`);
  const t = target(g, io);
  const res = await call(io, t, 'POST', `/proposals/${id}/${verb}`, reason === undefined ? {} : { reason });
  if (!res) return EXIT_RUNTIME;
  if (res.status !== 200) {
    io.err(`dbtune-agent: ${verb} ${id}: ${errorOf(res.json)}\n`);
    return EXIT_RUNTIME;
  }
  io.out(`${describe(res.json as HeldView)}\n`);
  return EXIT_OK;
}
