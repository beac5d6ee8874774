/**
 * The Patroni REST API calls this adapter makes, through got: `GET /cluster`, `GET /config`,
 * `PATCH /config` and `POST /restart` on a member's own API. Basic auth and TLS (CA, client
 * certificate) as configured; no retries (the runner owns them).
 * https://patroni.readthedocs.io/en/latest/rest_api.html
 */
import got, { HTTPError, type Got } from 'got';
import type { PatroniSettings } from './config.js';

/** A member as `GET /cluster` lists it. `host`/`port` are its PostgreSQL address. */
export interface PatroniMember {
  name: string;
  /** `leader`, `replica`, `sync_standby`, `standby_leader` (Patroni 3; `master` before 2.0). */
  role: string;
  /** `running`, `streaming`, `stopped`, `starting`, `restarting`, … */
  state: string;
  api_url?: string;
  host: string;
  port: number;
  pending_restart?: boolean;
  timeline?: number;
}

/** The dynamic configuration (`GET /config`); only the parts this adapter reads are typed. */
export interface DynamicConfig {
  postgresql?: { parameters?: Record<string, unknown> };
  standby_cluster?: unknown;
  [key: string]: unknown;
}

export interface PatroniApi {
  cluster(signal: AbortSignal): Promise<PatroniMember[]>;
  config(signal: AbortSignal): Promise<DynamicConfig>;
  /** PATCH /config with a JSON merge patch (a null value removes the key). */
  patchConfig(patch: DynamicConfig, signal: AbortSignal): Promise<void>;
  /** POST /restart on the member's own REST API; resolves once Patroni says it restarted. */
  restart(member: PatroniMember, signal: AbortSignal): Promise<void>;
}

const LEADER_ROLES = new Set(['leader', 'master', 'primary', 'standby_leader']);

export function isLeader(m: PatroniMember): boolean {
  return LEADER_ROLES.has(m.role.trim().toLowerCase());
}

/** A failed REST call: `patroni: <step>: HTTP 401: no auth header received` (never the credentials). */
export class PatroniApiError extends Error {
  /** The HTTP status when Patroni answered; undefined for network errors and timeouts. */
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined, cause: unknown) {
    super(message, { cause });
    this.name = 'PatroniApiError';
    this.status = status;
  }
}

export function apiError(step: string, err: unknown): PatroniApiError {
  if (err instanceof HTTPError) {
    const status = err.response.statusCode;
    const body = typeof err.response.body === 'string' ? err.response.body.trim().slice(0, 300) : '';
    return new PatroniApiError(`patroni: ${step}: HTTP ${status}${body ? `: ${body}` : ''}`, status, err);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PatroniApiError(`patroni: ${step}: ${message}`, undefined, err);
}

/** The REST base of a member: its `api_url` without the `/patroni` path, else host + our API's port. */
export function memberApiBase(apiUrl: string, m: PatroniMember): string {
  if (m.api_url) {
    const u = new URL(m.api_url);
    return `${u.protocol}//${u.host}`;
  }
  const ours = new URL(apiUrl);
  const host = m.host.includes(':') ? `[${m.host}]` : m.host;
  return `${ours.protocol}//${host}${ours.port ? `:${ours.port}` : ''}`;
}

export function createPatroniApi(
  s: PatroniSettings,
  opts: { requestTimeoutMs: number; restartTimeoutMs: number },
): PatroniApi {
  const client: Got = got.extend({
    retry: { limit: 0 },
    timeout: { request: opts.requestTimeoutMs },
    username: s.auth?.username,
    password: s.auth?.password,
    https: {
      certificateAuthority: s.tls.ca,
      certificate: s.tls.cert,
      key: s.tls.key,
    },
    headers: { 'user-agent': 'dbtune-agent' },
  });
  return {
    async cluster(signal) {
      try {
        const body = await client.get(`${s.apiUrl}/cluster`, { signal }).json<{ members?: unknown }>();
        if (!Array.isArray(body.members)) throw new Error('response has no members list');
        return body.members.map(parseMember);
      } catch (err) {
        throw apiError('GET /cluster', err);
      }
    },
    async config(signal) {
      try {
        return await client.get(`${s.apiUrl}/config`, { signal }).json<DynamicConfig>();
      } catch (err) {
        throw apiError('GET /config', err);
      }
    },
    async patchConfig(patch, signal) {
      try {
        await client.patch(`${s.apiUrl}/config`, { json: patch, signal });
      } catch (err) {
        throw apiError('PATCH /config', err);
      }
    },
    async restart(member, signal) {
      const url = `${memberApiBase(s.apiUrl, member)}/restart`;
      try {
        await client.post(url, { json: {}, signal, timeout: { request: opts.restartTimeoutMs } });
      } catch (err) {
        // Someone (Patroni itself, an operator) is already restarting it: wait like for ours.
        if (err instanceof HTTPError && /already in progress/i.test(String(err.response.body))) return;
        throw apiError(`POST /restart (member ${member.name})`, err);
      }
    },
  };
}

function parseMember(raw: unknown): PatroniMember {
  const m = (raw ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    name: str(m.name).trim(),
    role: str(m.role),
    state: str(m.state),
    api_url: typeof m.api_url === 'string' ? m.api_url : undefined,
    host: str(m.host),
    port: typeof m.port === 'number' ? m.port : Number(m.port) || 5432,
    pending_restart: m.pending_restart === true,
    timeline: typeof m.timeline === 'number' ? m.timeline : undefined,
  };
}
