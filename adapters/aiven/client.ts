/**
 * The Aiven REST API v1 calls this adapter makes, through got: service get, service update and
 * service metrics (https://api.aiven.io/doc/#tag/Service). Authentication is the API token in
 * `Authorization: aivenv1 <token>`. `aiven.api_url` replaces https://api.aiven.io.
 */
import got, { HTTPError, ParseError, type Got } from 'got';

export const DEFAULT_API_URL = 'https://api.aiven.io';
const REQUEST_TIMEOUT_MS = 30_000;

export interface AivenService {
  state: string;
  nodeCpuCount: number;
  nodeMemoryMb: number;
  userConfig: Record<string, unknown>;
}

/** One metric series as `ServiceMetricsFetch` returns it (a Google Charts data table). */
export interface MetricTable {
  data?: { cols?: { label?: unknown }[]; rows?: unknown[][] };
  max_timestamp?: unknown;
}

export interface AivenApi {
  getService(signal: AbortSignal): Promise<AivenService>;
  /** `PUT …/service/{service}` with `{user_config}`; resolves with the service as updated. */
  updateUserConfig(userConfig: Record<string, unknown>, signal: AbortSignal): Promise<AivenService>;
  /** `POST …/service/{service}/metrics` for the last hour. */
  fetchMetrics(signal: AbortSignal): Promise<Record<string, MetricTable>>;
}

export type AivenErrorKind = 'not-found' | 'permission' | 'garbage' | 'other';

export class AivenCallError extends Error {
  readonly call: string;
  readonly kind: AivenErrorKind;
  constructor(call: string, kind: AivenErrorKind, message: string, options?: { cause?: unknown }) {
    super(`aiven: ${call}: ${message}`, options);
    this.name = 'AivenCallError';
    this.call = call;
    this.kind = kind;
  }
}

export interface AivenTarget {
  token: string;
  project: string;
  service: string;
  apiUrl: string;
}

function apiMessage(body: unknown): string | undefined {
  const b = (typeof body === 'string' ? safeParse(body) : body) as { message?: unknown } | undefined;
  return typeof b?.message === 'string' ? b.message : undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function aivenCallError(call: string, err: unknown): AivenCallError {
  if (err instanceof AivenCallError) return err;
  if (err instanceof ParseError) {
    return new AivenCallError(
      call,
      'garbage',
      `the API answered with something that is not JSON (${err.message})`,
      {
        cause: err,
      },
    );
  }
  if (err instanceof HTTPError) {
    const status = err.response.statusCode;
    const text =
      `HTTP ${status}: ${apiMessage(err.response.body) ?? err.response.statusMessage ?? ''}`.trim();
    if (status === 404) return new AivenCallError(call, 'not-found', `not found (${text})`, { cause: err });
    if (status === 401 || status === 403) {
      return new AivenCallError(
        call,
        'permission',
        `permission denied (${text}); the token needs access to the project (${
          call === 'service.update'
            ? 'write, e.g. project role developer or admin'
            : 'read, e.g. project role read_only'
        })`,
        { cause: err },
      );
    }
    return new AivenCallError(call, 'other', text, { cause: err });
  }
  return new AivenCallError(call, 'other', err instanceof Error ? err.message : String(err), { cause: err });
}

function num(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

function service(call: string, body: unknown): AivenService {
  const s = (body as { service?: Record<string, unknown> } | undefined)?.service;
  if (!s || typeof s !== 'object')
    throw new AivenCallError(call, 'garbage', 'the reply has no service object');
  const uc = s.user_config;
  return {
    state: typeof s.state === 'string' ? s.state : '',
    nodeCpuCount: num(s.node_cpu_count),
    nodeMemoryMb: num(s.node_memory_mb),
    userConfig:
      uc !== null && typeof uc === 'object' && !Array.isArray(uc) ? (uc as Record<string, unknown>) : {},
  };
}

export function createAivenApi(t: AivenTarget): AivenApi {
  const url = `${t.apiUrl.replace(/\/+$/, '')}/v1/project/${encodeURIComponent(t.project)}/service/${encodeURIComponent(t.service)}`;
  const client: Got = got.extend({
    headers: { authorization: `aivenv1 ${t.token}`, 'user-agent': 'dbtune-agent' },
    timeout: { request: REQUEST_TIMEOUT_MS },
    retry: { limit: 0 },
    responseType: 'json',
  });

  async function call<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw aivenCallError(name, err);
    }
  }

  return {
    getService: (signal) =>
      call('service.get', async () =>
        service(
          'service.get',
          (await client.get(url, { signal, searchParams: { include_secrets: 'false' } })).body,
        ),
      ),
    updateUserConfig: (userConfig, signal) =>
      call('service.update', async () =>
        service(
          'service.update',
          (await client.put(url, { signal, json: { user_config: userConfig } })).body,
        ),
      ),
    fetchMetrics: (signal) =>
      call('service.metrics', async () => {
        const body = (await client.post(`${url}/metrics`, { signal, json: { period: 'hour' } })).body as {
          metrics?: unknown;
        };
        const m = body?.metrics;
        if (m === null || typeof m !== 'object') {
          throw new AivenCallError('service.metrics', 'garbage', 'the reply has no metrics object');
        }
        return m as Record<string, MetricTable>;
      }),
  };
}
