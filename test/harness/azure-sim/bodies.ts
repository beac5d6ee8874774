/**
 * Response bodies of the Azure simulation, in the shapes Resource Manager and Azure Monitor send:
 * https://learn.microsoft.com/en-us/rest/api/postgresql/flexibleserver/servers/get
 * https://learn.microsoft.com/en-us/rest/api/monitor/metrics/list
 * https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/common-api-details (errors)
 */
import type http from 'node:http';

export function armErr(code: string, message: string) {
  return { error: { code, message } };
}

export function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

export interface ServerFacts {
  serverId: string;
  name: string;
  location: string;
  sku: string;
  major: number;
  state: string;
}

export function serverBody(f: ServerFacts): Record<string, unknown> {
  const tier = f.sku.includes('_B')
    ? 'Burstable'
    : f.sku.includes('_E')
      ? 'MemoryOptimized'
      : 'GeneralPurpose';
  return {
    id: f.serverId,
    name: f.name,
    type: 'Microsoft.DBforPostgreSQL/flexibleServers',
    location: f.location,
    sku: { name: f.sku, tier },
    properties: {
      administratorLogin: 'azureadmin',
      version: String(f.major),
      state: f.state,
      fullyQualifiedDomainName: `${f.name}.postgres.database.azure.com`,
      storage: { storageSizeGB: 128, autoGrow: 'Disabled', tier: 'P10' },
      authConfig: { activeDirectoryAuth: 'Enabled', passwordAuth: 'Enabled' },
      highAvailability: { mode: 'Disabled', state: 'NotEnabled' },
      network: { publicNetworkAccess: 'Enabled' },
    },
  };
}

export interface MetricFacts {
  serverId: string;
  location: string;
  /** The newest complete minute's average per metric; null or absent = no data point. */
  metrics: Record<string, number | null>;
}

/** Three one-minute points per metric: an older one, the newest complete one, the current one without an average. */
export function metricsBody(f: MetricFacts, q: Record<string, string>): Record<string, unknown> {
  const names = (q.metricnames ?? '').split(',').filter((n) => n !== '');
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const stamp = (i: number) => new Date(minute - i * 60_000).toISOString().replace('.000Z', 'Z');
  return {
    cost: 0,
    timespan: q.timespan ?? '',
    interval: q.interval ?? 'PT1M',
    namespace: 'Microsoft.DBforPostgreSQL/flexibleServers',
    resourceregion: f.location,
    value: names.map((name) => {
      const v = f.metrics[name];
      const avg = (x: number) => (v === null || v === undefined ? {} : { average: x });
      return {
        id: `${f.serverId}/providers/Microsoft.Insights/metrics/${name}`,
        type: 'Microsoft.Insights/metrics',
        name: { value: name, localizedValue: name },
        unit: 'Percent',
        errorCode: 'Success',
        timeseries: [
          {
            metadatavalues: [],
            data: [
              { timeStamp: stamp(2), ...avg((v ?? 0) / 2) },
              { timeStamp: stamp(1), ...avg(v ?? 0) },
              { timeStamp: stamp(0) },
            ],
          },
        ],
      };
    }),
  };
}
