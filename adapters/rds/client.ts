/**
 * The AWS calls the adapter makes, over the SDK v3 clients. Only the region and, when configured,
 * static credentials are set: endpoints (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, FIPS and
 * dual-stack settings), profiles, retry mode and attempts stay whatever the user configured for the
 * SDK (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html). Throttled calls are
 * retried by the SDK's standard retry strategy, not here.
 */
import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { GetResourceMetricsCommand, PIClient } from '@aws-sdk/client-pi';
import {
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  ModifyDBClusterParameterGroupCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
  RebootDBInstanceCommand,
  ResetDBClusterParameterGroupCommand,
  ResetDBParameterGroupCommand,
  type DBCluster,
  type DBInstance,
  type Parameter,
} from '@aws-sdk/client-rds';
import type { RdsSettings } from './config.js';
import { awsCallError } from './aws-errors.js';
import { describeInstanceTypeInWorker } from './ec2-worker.js';

export type GroupKind = 'instance' | 'cluster';

export interface ParameterWrite {
  name: string;
  /** undefined: reset to the engine default. */
  value?: string;
  method: 'immediate' | 'pending-reboot';
}

export interface MetricQuery {
  id: string;
  metric: string;
}

export interface AwsApi {
  describeInstance(id: string, signal: AbortSignal): Promise<DBInstance | undefined>;
  describeCluster(id: string, signal: AbortSignal): Promise<DBCluster | undefined>;
  instanceType(type: string, signal: AbortSignal): Promise<{ vcpus?: number; memoryMiB?: number }>;
  /** Every parameter of a group (all pages). */
  parameters(kind: GroupKind, group: string, signal: AbortSignal): Promise<Parameter[]>;
  /** One ModifyDB(Cluster)ParameterGroup or, for values left undefined, ResetDB(Cluster)ParameterGroup. */
  modifyParameters(
    kind: GroupKind,
    group: string,
    params: readonly ParameterWrite[],
    signal: AbortSignal,
  ): Promise<void>;
  reboot(id: string, signal: AbortSignal): Promise<void>;
  metricData(
    instanceId: string,
    queries: readonly MetricQuery[],
    window: { start: Date; end: Date; periodSeconds: number },
    signal: AbortSignal,
  ): Promise<MetricDataResult[]>;
  /** Latest datapoint of a Performance Insights metric, or undefined when it has none. */
  piLatest(
    resourceId: string,
    metric: string,
    window: { start: Date; end: Date; periodSeconds: number },
    signal: AbortSignal,
  ): Promise<number | undefined>;
  close(): void;
}

export function createAwsApi(settings: RdsSettings): AwsApi {
  const base = {
    region: settings.region,
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
  const rds = new RDSClient(base);
  const cloudwatch = new CloudWatchClient(base);
  const pi = new PIClient(base);
  // Every call goes through `call`, so an SDK error becomes one that names the IAM action.
  const call = async <T>(iamAction: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw awsCallError(iamAction, err);
    }
  };

  return {
    describeInstance: (id, abortSignal) =>
      call('rds:DescribeDBInstances', async () => {
        const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), {
          abortSignal,
        });
        return out.DBInstances?.length === 1 ? out.DBInstances[0] : undefined;
      }),
    describeCluster: (id, abortSignal) =>
      call('rds:DescribeDBClusters', async () => {
        const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }), {
          abortSignal,
        });
        return out.DBClusters?.[0];
      }),
    // In a worker: see ec2-worker.ts for why.
    instanceType: (type, abortSignal) =>
      call('ec2:DescribeInstanceTypes', () => describeInstanceTypeInWorker(base, type, abortSignal)),
    parameters: (kind, group, abortSignal) =>
      call(kind === 'instance' ? 'rds:DescribeDBParameters' : 'rds:DescribeDBClusterParameters', async () => {
        const all: Parameter[] = [];
        let marker: string | undefined;
        do {
          const out =
            kind === 'instance'
              ? await rds.send(
                  new DescribeDBParametersCommand({
                    DBParameterGroupName: group,
                    Marker: marker,
                    MaxRecords: 100,
                  }),
                  { abortSignal },
                )
              : await rds.send(
                  new DescribeDBClusterParametersCommand({
                    DBClusterParameterGroupName: group,
                    Marker: marker,
                    MaxRecords: 100,
                  }),
                  { abortSignal },
                );
          all.push(...(out.Parameters ?? []));
          marker = out.Marker;
        } while (marker);
        return all;
      }),
    modifyParameters: async (kind, group, params, abortSignal) => {
      const reset = params.every((p) => p.value === undefined);
      if (!reset && params.some((p) => p.value === undefined)) {
        throw new Error('rds: a parameter write mixes values and resets');
      }
      const Parameters = params.map((p) => ({
        ParameterName: p.name,
        ParameterValue: p.value,
        ApplyMethod: p.method,
      }));
      const action = `rds:${reset ? 'Reset' : 'Modify'}DB${kind === 'cluster' ? 'Cluster' : ''}ParameterGroup`;
      return call(action, async () => {
        const input = { Parameters };
        if (kind === 'instance') {
          const g = { DBParameterGroupName: group, ...input };
          if (reset) await rds.send(new ResetDBParameterGroupCommand(g), { abortSignal });
          else await rds.send(new ModifyDBParameterGroupCommand(g), { abortSignal });
        } else {
          const g = { DBClusterParameterGroupName: group, ...input };
          if (reset) await rds.send(new ResetDBClusterParameterGroupCommand(g), { abortSignal });
          else await rds.send(new ModifyDBClusterParameterGroupCommand(g), { abortSignal });
        }
      });
    },
    reboot: (id, abortSignal) =>
      call('rds:RebootDBInstance', async () => {
        await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: id }), { abortSignal });
      }),
    metricData: (instanceId, queries, w, abortSignal) =>
      call('cloudwatch:GetMetricData', async () => {
        const out = await cloudwatch.send(
          new GetMetricDataCommand({
            StartTime: w.start,
            EndTime: w.end,
            ScanBy: 'TimestampDescending',
            MetricDataQueries: queries.map((q) => ({
              Id: q.id,
              ReturnData: true,
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/RDS',
                  MetricName: q.metric,
                  Dimensions: [{ Name: 'DBInstanceIdentifier', Value: instanceId }],
                },
                Period: w.periodSeconds,
                Stat: 'Average',
              },
            })),
          }),
          { abortSignal },
        );
        return out.MetricDataResults ?? [];
      }),
    piLatest: (resourceId, metric, w, abortSignal) =>
      call('pi:GetResourceMetrics', async () => {
        const out = await pi.send(
          new GetResourceMetricsCommand({
            ServiceType: 'RDS',
            Identifier: resourceId,
            MetricQueries: [{ Metric: metric }],
            StartTime: w.start,
            EndTime: w.end,
            PeriodInSeconds: w.periodSeconds,
          }),
          { abortSignal },
        );
        const points = out.MetricList?.find((m) => m.Key?.Metric === metric)?.DataPoints ?? [];
        let latest: { t: number; v: number } | undefined;
        for (const p of points) {
          const t = p.Timestamp?.getTime();
          if (t === undefined || typeof p.Value !== 'number' || !Number.isFinite(p.Value)) continue;
          if (!latest || t > latest.t) latest = { t, v: p.Value };
        }
        return latest?.v;
      }),
    close: () => {
      for (const c of [rds, cloudwatch, pi]) c.destroy();
    },
  };
}
