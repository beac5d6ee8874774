/**
 * The Azure calls this adapter makes, each with its RBAC action and translated errors:
 * - Servers - Get, Configurations - List By Server / Get / Put, Servers - Restart (long-running
 *   operations followed by the SDK's pollers to their end);
 * - Azure Monitor Metrics - List, sent through the Resource Manager client's pipeline (same
 *   endpoint, credential and retries).
 * https://learn.microsoft.com/en-us/rest/api/postgresql/flexibleserver/configurations
 * https://learn.microsoft.com/en-us/rest/api/monitor/metrics/list
 */
import type { Configuration, Server } from '@azure/arm-postgresql-flexible';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { armCall, RBAC, type AzureClients } from './client.js';
import { serverResourceId, type AzureFlexSettings } from './config.js';

export const MONITOR_API_VERSION = '2023-10-01';
export const AUTHORIZATION_API_VERSION = '2022-04-01';

/** One role assignment's effective permissions (Permissions - List For Resource). */
export interface PermissionSet {
  actions: string[];
  notActions: string[];
}

export interface ConfigurationState {
  name: string;
  value: string;
  source: string;
  defaultValue: string | undefined;
  isReadOnly: boolean;
  isConfigPendingRestart: boolean;
}

/** One data point series per metric name, oldest first (Azure Monitor `timeseries[0].data`). */
export type MetricSeries = Record<string, { timeStamp: string; average?: number }[]>;

export interface AzureFlexApi {
  readonly settings: AzureFlexSettings;
  getServer(signal: AbortSignal): Promise<Server>;
  listConfigurations(signal: AbortSignal): Promise<ConfigurationState[]>;
  getConfiguration(name: string, signal: AbortSignal): Promise<ConfigurationState>;
  /** Put and follow the operation to its end; returns the configuration as Azure reports it after. */
  putConfiguration(name: string, value: string, signal: AbortSignal): Promise<ConfigurationState>;
  /** Restart the server and follow the operation to its end. */
  restartServer(signal: AbortSignal): Promise<void>;
  metrics(names: readonly string[], start: Date, end: Date, signal: AbortSignal): Promise<MetricSeries>;
  /** What the caller's identity may do on the server (needs no permission of its own). */
  permissions(signal: AbortSignal): Promise<PermissionSet[]>;
}

function state(c: Configuration, name: string): ConfigurationState {
  return {
    name: c.name ?? name,
    value: c.value ?? '',
    source: c.source ?? '',
    defaultValue: c.defaultValue,
    isReadOnly: c.isReadOnly === true,
    isConfigPendingRestart: c.isConfigPendingRestart === true,
  };
}

export function createAzureFlexApi(s: AzureFlexSettings, clients: AzureClients): AzureFlexApi {
  const { arm } = clients;
  const rg = s.resourceGroup;
  const server = s.serverName;
  const endpoint = s.armEndpoint;
  return {
    settings: s,
    getServer: (signal) =>
      armCall({ operation: 'servers.get', action: RBAC.serverRead, endpoint }, s, () =>
        arm.servers.get(rg, server, { abortSignal: signal }),
      ),
    listConfigurations: (signal) =>
      armCall(
        { operation: 'configurations.listByServer', action: RBAC.configurationsRead, endpoint },
        s,
        async () => {
          const out: ConfigurationState[] = [];
          for await (const c of arm.configurations.listByServer(rg, server, { abortSignal: signal })) {
            if (c.name) out.push(state(c, c.name));
          }
          return out;
        },
      ),
    getConfiguration: (name, signal) =>
      armCall(
        { operation: `configurations.get ${name}`, action: RBAC.configurationsRead, endpoint },
        s,
        async () => state(await arm.configurations.get(rg, server, name, { abortSignal: signal }), name),
      ),
    putConfiguration: (name, value, signal) =>
      armCall(
        { operation: `configurations.put ${name}`, action: RBAC.configurationsWrite, endpoint },
        s,
        async () =>
          state(
            await arm.configurations.beginPutAndWait(
              rg,
              server,
              name,
              // "user-override" is how Azure records a value set by the user (the portal and az CLI do
              // the same); putting a parameter's default value back makes Azure report system-default.
              { value, source: 'user-override' },
              { abortSignal: signal },
            ),
            name,
          ),
      ),
    restartServer: (signal) =>
      armCall({ operation: 'servers.restart', action: RBAC.restart, endpoint }, s, async () => {
        await arm.servers.beginRestartAndWait(rg, server, { abortSignal: signal });
      }),
    permissions: (signal) =>
      armCall({ operation: 'permissions.list', action: RBAC.serverRead, endpoint }, s, async () => {
        // https://learn.microsoft.com/en-us/rest/api/authorization/permissions/list-for-resource
        const out: PermissionSet[] = [];
        let url: string | undefined =
          `${endpoint}${serverResourceId(s)}/providers/Microsoft.Authorization/permissions` +
          `?api-version=${AUTHORIZATION_API_VERSION}`;
        for (let page = 0; url && page < 20; page++) {
          const res = await arm.sendRequest(
            createPipelineRequest({ url, method: 'GET', abortSignal: signal }),
          );
          const body = parseBody<PermissionsBody>(res.status, res.bodyAsText ?? '');
          if (!Array.isArray(body.value))
            throw Object.assign(new Error('permissions response has no "value" list'), {
              code: 'PARSE_ERROR',
            });
          for (const p of body.value) out.push({ actions: p.actions ?? [], notActions: p.notActions ?? [] });
          url = body.nextLink ?? undefined;
        }
        return out;
      }),
    metrics: (names, start, end, signal) =>
      armCall({ operation: 'metrics.list', action: RBAC.metricsRead, endpoint }, s, async () => {
        const query = new URLSearchParams({
          'api-version': MONITOR_API_VERSION,
          metricnames: names.join(','),
          metricnamespace: 'Microsoft.DBforPostgreSQL/flexibleServers',
          aggregation: 'Average',
          interval: 'PT1M',
          timespan: `${start.toISOString()}/${end.toISOString()}`,
        });
        const url = `${endpoint}${serverResourceId(s)}/providers/Microsoft.Insights/metrics?${query.toString()}`;
        const res = await arm.sendRequest(createPipelineRequest({ url, method: 'GET', abortSignal: signal }));
        return parseMetrics(res.status, res.bodyAsText ?? '');
      }),
  };
}

interface MonitorBody {
  value?: {
    name?: { value?: string };
    timeseries?: { data?: { timeStamp: string; average?: number }[] }[];
  }[];
  error?: { code?: string; message?: string };
}

interface PermissionsBody {
  value?: { actions?: string[]; notActions?: string[] }[];
  nextLink?: string | null;
  error?: { code?: string; message?: string };
}

/** A JSON body from a raw pipeline request; failures in the SDK's error shape for armError. */
function parseBody<T extends { error?: { code?: string; message?: string } }>(
  status: number,
  text: string,
): T {
  let body: T | null;
  try {
    body = JSON.parse(text) as T | null;
  } catch {
    throw Object.assign(new Error('response is not JSON'), { code: 'PARSE_ERROR', statusCode: status });
  }
  if (status < 200 || status >= 300) {
    throw Object.assign(new Error(body?.error?.message ?? `HTTP ${status}`), {
      statusCode: status,
      code: body?.error?.code,
    });
  }
  if (!body || typeof body !== 'object') {
    throw Object.assign(new Error('response is not a JSON object'), {
      code: 'PARSE_ERROR',
      statusCode: status,
    });
  }
  return body;
}

/** Parse a Metrics - List response; failures are thrown in the SDK's error shape for armError. */
export function parseMetrics(status: number, text: string): MetricSeries {
  const body = parseBody<MonitorBody>(status, text);
  if (!Array.isArray(body.value)) {
    throw Object.assign(new Error('metrics response has no "value" list'), {
      code: 'PARSE_ERROR',
      statusCode: status,
    });
  }
  const out: MetricSeries = {};
  for (const m of body.value) {
    const name = m.name?.value;
    if (!name) continue;
    out[name] = (m.timeseries ?? []).flatMap((t) => t.data ?? []);
  }
  return out;
}
