/**
 * EC2 DescribeInstanceTypes, CloudWatch GetMetricData and Performance Insights GetResourceMetrics,
 * as the simulation serves them. Shapes:
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypes.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 * https://docs.aws.amazon.com/performance-insights/latest/APIReference/API_GetResourceMetrics.html
 */
import type { SimInstance } from './rds.js';
import { SimAwsError, epochSeconds, list, type FormParams, type XmlValue } from './wire.js';

export interface InstanceType {
  vcpus: number;
  memoryMiB: number;
}

export const INSTANCE_TYPES: Record<string, InstanceType> = {
  't3.micro': { vcpus: 2, memoryMiB: 1024 },
  't4g.medium': { vcpus: 2, memoryMiB: 4096 },
  'm5.large': { vcpus: 2, memoryMiB: 8192 },
  'm6g.xlarge': { vcpus: 4, memoryMiB: 16384 },
  'r6g.large': { vcpus: 2, memoryMiB: 16384 },
  'r6g.2xlarge': { vcpus: 8, memoryMiB: 65536 },
};

export const RDS_METRICS = ['FreeableMemory', 'CPUUtilization', 'ReadIOPS', 'WriteIOPS'] as const;
export type RdsMetric = (typeof RDS_METRICS)[number];

/** A metric's latest value; null = no datapoints in the window; 'error' = the query fails. */
export type MetricValue = number | null | 'error';

export interface InstanceMetrics {
  cloudwatch: Partial<Record<RdsMetric, MetricValue>>;
  /** Performance Insights `os.memory.active.avg` in kB; null = no datapoints. */
  activeMemoryKb: number | null;
}

export function describeInstanceTypes(
  p: FormParams,
  types: Record<string, InstanceType>,
): Record<string, XmlValue> {
  const wanted = Object.entries(p)
    .filter(([k]) => /^InstanceType\.\d+$/.test(k))
    .map(([, v]) => v);
  const unknown = wanted.filter((t) => !types[t]);
  if (unknown.length) {
    throw new SimAwsError(
      'InvalidInstanceType',
      `The following supplied instance types do not exist: [${unknown.join(', ')}]`,
    );
  }
  return {
    instanceTypeSet: list(
      'item',
      wanted.map((t) => ({
        instanceType: t,
        vCpuInfo: { defaultVCpus: types[t]?.vcpus },
        memoryInfo: { sizeInMiB: types[t]?.memoryMiB },
      })),
    ),
  };
}

interface MetricDataQuery {
  Id?: string;
  MetricStat?: {
    Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] };
    Period?: number;
    Stat?: string;
  };
}

export function getMetricData(
  body: { MetricDataQueries?: MetricDataQuery[]; StartTime?: number; EndTime?: number },
  instances: Map<string, SimInstance>,
  metrics: Map<string, InstanceMetrics>,
  now: number,
): Record<string, unknown> {
  const queries = body.MetricDataQueries ?? [];
  if (queries.length === 0 || queries.length > 500) {
    throw new SimAwsError('InvalidParameterValue', 'MetricDataQueries must hold 1 to 500 queries');
  }
  if (
    typeof body.StartTime !== 'number' ||
    typeof body.EndTime !== 'number' ||
    body.StartTime >= body.EndTime
  ) {
    throw new SimAwsError('InvalidParameterValue', 'StartTime must be before EndTime');
  }
  return {
    MetricDataResults: queries.map((q) => {
      const m = q.MetricStat?.Metric;
      const id = m?.Dimensions?.find((d) => d.Name === 'DBInstanceIdentifier')?.Value;
      const value =
        m?.Namespace === 'AWS/RDS' && id && instances.has(id)
          ? metrics.get(id)?.cloudwatch[m.MetricName as RdsMetric]
          : null;
      const at = epochSeconds(now) - 60;
      if (value === 'error') {
        return { Id: q.Id, Label: m?.MetricName, Timestamps: [], Values: [], StatusCode: 'InternalError' };
      }
      const has = typeof value === 'number' && at >= body.StartTime! && at <= body.EndTime!;
      return {
        Id: q.Id,
        Label: m?.MetricName,
        Timestamps: has ? [at] : [],
        Values: has ? [value] : [],
        StatusCode: 'Complete',
      };
    }),
    Messages: [],
  };
}

export function getResourceMetrics(
  body: {
    ServiceType?: string;
    Identifier?: string;
    MetricQueries?: { Metric?: string }[];
    StartTime?: number;
    EndTime?: number;
  },
  instances: Map<string, SimInstance>,
  metrics: Map<string, InstanceMetrics>,
  now: number,
): Record<string, unknown> {
  const inst = [...instances.values()].find((i) => i.dbiResourceId === body.Identifier);
  if (body.ServiceType !== 'RDS' || !inst) {
    throw new SimAwsError('InvalidArgumentException', `No resource found for ${body.Identifier ?? ''}`);
  }
  if (!inst.piEnabled) {
    throw new SimAwsError(
      'InvalidArgumentException',
      `Performance Insights is not enabled for ${body.Identifier ?? ''}`,
    );
  }
  const at = epochSeconds(now) - 60;
  return {
    AlignedStartTime: body.StartTime,
    AlignedEndTime: body.EndTime,
    Identifier: inst.dbiResourceId,
    MetricList: (body.MetricQueries ?? []).map((q) => {
      const kb = q.Metric === 'os.memory.active.avg' ? metrics.get(inst.id)?.activeMemoryKb : null;
      const inWindow = at >= (body.StartTime ?? 0) && at <= (body.EndTime ?? 0);
      return {
        Key: { Metric: q.Metric },
        DataPoints: typeof kb === 'number' && inWindow ? [{ Timestamp: at, Value: kb }] : [],
      };
    }),
  };
}
