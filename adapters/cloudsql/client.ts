/**
 * The Google API calls this adapter makes, through the official clients in REST mode
 * (`fallback: true`): SQL Admin API v1 (instances get/patch, operations get, flags list) and Cloud
 * Monitoring v3 (timeSeries list). Credentials come only from Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application-default login, workload identity, or the
 * metadata server, including GCE_METADATA_HOST): https://cloud.google.com/docs/authentication/application-default-credentials
 * `cloudsql.api_endpoint` replaces the base URL of both APIs (private or sovereign endpoints).
 */
import { MetricServiceClient } from '@google-cloud/monitoring';
import {
  SqlFlagsServiceClient,
  SqlInstancesServiceClient,
  SqlOperationsServiceClient,
} from '@google-cloud/sql';
import { GoogleAuth } from 'google-auth-library';
import { googleCallError } from './errors.js';

export interface InstanceInfo {
  databaseVersion: string;
  state: string;
  tier: string;
  flags: DatabaseFlag[];
  /** `settings.userLabels`, sent back unchanged with every patch. */
  userLabels: Record<string, string>;
}

export interface DatabaseFlag {
  name: string;
  value: string;
}

export interface FlagInfo {
  name: string;
  requiresRestart: boolean;
  min: number | null;
  max: number | null;
}

export interface OperationInfo {
  status: string;
  /** Messages of `error.errors[]` when the operation failed. */
  errors: string[];
}

/** The calls the adapter makes; `createCloudSqlApi` implements them with the Google clients. */
export interface CloudSqlApi {
  getInstance(signal: AbortSignal): Promise<InstanceInfo>;
  /**
   * Patch `settings.databaseFlags` (the whole list); resolves with the operation's name. The REST
   * client serialises every map field, empty ones included, so the instance's labels are sent back
   * as they are rather than as an empty map.
   */
  patchFlags(
    flags: readonly DatabaseFlag[],
    userLabels: Record<string, string>,
    signal: AbortSignal,
  ): Promise<string>;
  getOperation(name: string, signal: AbortSignal): Promise<OperationInfo>;
  listFlags(databaseVersion: string, signal: AbortSignal): Promise<FlagInfo[]>;
  /**
   * The newest point of the one series of `metricType` for this instance over the last 10 minutes;
   * `component` selects a `memory/components` series. Throws when there is no series.
   */
  latestPoint(metricType: string, component: string | undefined, signal: AbortSignal): Promise<number>;
  close(): Promise<void>;
}

export interface CloudSqlTarget {
  project: string;
  instance: string;
  /** `cloudsql.api_endpoint`: a base URL, or '' for Google's public endpoints. */
  apiEndpoint: string;
}

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];
const LOOKBACK_MS = 10 * 60 * 1000;

type ClientOptions = NonNullable<ConstructorParameters<typeof SqlInstancesServiceClient>[0]>;

/** Client options for one API: REST mode, and the endpoint override when set. */
export function clientOptions(apiEndpoint: string, auth: GoogleAuth): ClientOptions {
  const base = { fallback: true, auth };
  if (!apiEndpoint) return base;
  const url = new URL(apiEndpoint);
  const https = url.protocol === 'https:';
  return {
    ...base,
    apiEndpoint: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : https ? 443 : 80,
    protocol: https ? 'https' : 'http',
  };
}

/** Stop waiting when the signal aborts (the Google clients take no AbortSignal). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e as Error)),
    );
  });
}

function int64(v: unknown): number | null {
  const raw = v !== null && typeof v === 'object' && 'value' in v ? v.value : v;
  if (raw === null || raw === undefined || raw === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}

/**
 * Find the credentials first: the clients build their REST stubs from them on first use, and a
 * failure there rejects every method's stub promise, most of which nobody awaits (an unhandled
 * rejection). Token refreshes later fail per request and are reported per call.
 */
export async function createCloudSqlApi(
  target: CloudSqlTarget,
  now: () => number = Date.now,
): Promise<CloudSqlApi> {
  // The project is known, so google-auth-library need not discover it (it would run `gcloud config`).
  const auth = new GoogleAuth({ scopes: SCOPES, projectId: target.project });
  try {
    await auth.getClient();
  } catch (err) {
    throw googleCallError('credentials', err);
  }
  const opts = clientOptions(target.apiEndpoint, auth);
  const instances = new SqlInstancesServiceClient(opts);
  const operations = new SqlOperationsServiceClient(opts);
  const flagsClient = new SqlFlagsServiceClient(opts);
  const monitoring = new MetricServiceClient(opts);
  const { project, instance } = target;

  async function call<T>(name: string, fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    try {
      return await abortable(fn(), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      throw googleCallError(name, err);
    }
  }

  return {
    async getInstance(signal) {
      const [i] = await call('instances.get', () => instances.get({ project, instance }), signal);
      return {
        databaseVersion: String(i.databaseVersion ?? ''),
        state: String(i.state ?? ''),
        tier: i.settings?.tier ?? '',
        flags: (i.settings?.databaseFlags ?? []).map((f) => ({ name: f.name ?? '', value: f.value ?? '' })),
        userLabels: { ...(i.settings?.userLabels ?? {}) },
      };
    },
    async patchFlags(flags, userLabels, signal) {
      const databaseFlags = flags.map((f) => ({ name: f.name, value: f.value }));
      const body = { settings: { databaseFlags, userLabels } };
      const [op] = await call('instances.patch', () => instances.patch({ project, instance, body }), signal);
      if (!op.name) throw googleCallError('instances.patch', new Error('the reply names no operation'));
      return op.name;
    },
    async getOperation(name, signal) {
      const [op] = await call('operations.get', () => operations.get({ project, operation: name }), signal);
      return {
        status: String(op.status ?? ''),
        errors: (op.error?.errors ?? []).map((e) => `${e.code ?? ''}${e.code ? ': ' : ''}${e.message ?? ''}`),
      };
    },
    async listFlags(databaseVersion, signal) {
      const [list] = await call('flags.list', () => flagsClient.list({ databaseVersion }), signal);
      return (list.items ?? []).map((f) => ({
        name: f.name ?? '',
        requiresRestart: Boolean(
          f.requiresRestart && typeof f.requiresRestart === 'object'
            ? f.requiresRestart.value
            : f.requiresRestart,
        ),
        min: int64(f.minValue),
        max: int64(f.maxValue),
      }));
    },
    async latestPoint(metricType, component, signal) {
      const end = now();
      let filter = `metric.type = "${metricType}" AND resource.labels.database_id = "${project}:${instance}"`;
      if (component) filter += ` AND metric.labels.component = "${component}"`;
      const request = {
        name: `projects/${project}`,
        filter,
        interval: {
          startTime: { seconds: Math.floor((end - LOOKBACK_MS) / 1000) },
          endTime: { seconds: Math.floor(end / 1000) },
        },
        view: 'FULL' as const,
      };
      const [series] = await call(
        'timeSeries.list',
        () => monitoring.listTimeSeries(request, { autoPaginate: false }),
        signal,
      );
      const point = series[0]?.points?.[0]?.value;
      if (series.length !== 1 || !point) {
        throw googleCallError(
          'timeSeries.list',
          new Error(`expected one series of ${metricType}, got ${series.length}`),
        );
      }
      const v = point.doubleValue ?? point.int64Value;
      const n = Number(v);
      if (v === null || v === undefined || !Number.isFinite(n)) {
        throw googleCallError('timeSeries.list', new Error(`${metricType}: the newest point has no number`));
      }
      return n;
    },
    async close() {
      await Promise.all([instances.close(), operations.close(), flagsClient.close(), monitoring.close()]);
    },
  };
}
