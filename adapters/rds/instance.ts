/**
 * What the adapter knows about its DB instance: the instance
 * (`DescribeDBInstances`, exactly one), its cluster when it has one (`DescribeDBClusters`: the
 * cluster parameter group, Serverless v2 capacity), and the vCPU and memory of its class
 * (`ec2:DescribeInstanceTypes` for `db.<type>`). Aurora Serverless v2 (`db.serverless`) is sized
 * from its maximum capacity: one ACU is about 2 GiB of memory with matching CPU
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.how-it-works.html).
 */
import { ConfigError } from '../../src/errors.js';
import type { AwsApi } from './client.js';
import { keyName, type RdsSettings } from './config.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export interface GroupRef {
  name: string;
  /** ParameterApplyStatus of this instance for the group. */
  status: string | undefined;
}

export interface InstanceInfo {
  id: string;
  status: string | undefined;
  instanceClass: string;
  engineVersion: string | undefined;
  /** Performance Insights identifier (DbiResourceId). */
  resourceId: string | undefined;
  piEnabled: boolean;
  parameterGroup: GroupRef;
  cluster?: { id: string; parameterGroup: GroupRef; serverlessMaxAcu?: number };
  vcpus: number;
  memoryBytes: number;
}

/** The instance and its cluster only: the cheap part, for polling during an apply. */
export async function describeState(
  api: AwsApi,
  s: RdsSettings,
  signal: AbortSignal,
): Promise<Omit<InstanceInfo, 'vcpus' | 'memoryBytes'>> {
  const inst = await api.describeInstance(s.instanceId, signal);
  if (!inst) {
    throw new ConfigError([
      `${keyName(s.section, 'RDS_DATABASE_IDENTIFIER')}: DescribeDBInstances did not return exactly one instance "${s.instanceId}"`,
    ]);
  }
  const group = inst.DBParameterGroups?.[0];
  if (!group?.DBParameterGroupName)
    throw new Error(`rds: instance ${s.instanceId} has no DB parameter group`);
  const base = {
    id: s.instanceId,
    status: inst.DBInstanceStatus,
    instanceClass: inst.DBInstanceClass ?? '',
    engineVersion: inst.EngineVersion,
    resourceId: inst.DbiResourceId,
    piEnabled: inst.PerformanceInsightsEnabled === true,
    parameterGroup: { name: group.DBParameterGroupName, status: group.ParameterApplyStatus },
  };
  if (!inst.DBClusterIdentifier) {
    if (s.variant === 'aurora') {
      throw new ConfigError([
        `${keyName(s.section, 'RDS_DATABASE_IDENTIFIER')}: instance "${s.instanceId}" is not a member of an Aurora cluster (use --rds)`,
      ]);
    }
    return base;
  }
  const cluster = await api.describeCluster(inst.DBClusterIdentifier, signal);
  if (!cluster?.DBClusterParameterGroup) {
    throw new Error(`rds: cluster ${inst.DBClusterIdentifier} of instance ${s.instanceId} not found`);
  }
  const member = cluster.DBClusterMembers?.find((m) => m.DBInstanceIdentifier === s.instanceId);
  return {
    ...base,
    cluster: {
      id: inst.DBClusterIdentifier,
      parameterGroup: {
        name: cluster.DBClusterParameterGroup,
        status: member?.DBClusterParameterGroupStatus,
      },
      serverlessMaxAcu: cluster.ServerlessV2ScalingConfiguration?.MaxCapacity,
    },
  };
}

/** vCPU and memory per instance type: a class does not change size, so EC2 is asked once per class. */
export type SizeCache = Map<string, { vcpus: number; memoryMiB: number }>;

export async function describeInstance(
  api: AwsApi,
  s: RdsSettings,
  signal: AbortSignal,
  sizes: SizeCache = new Map(),
): Promise<InstanceInfo> {
  const state = await describeState(api, s, signal);
  if (state.instanceClass === 'db.serverless') {
    const acu = state.cluster?.serverlessMaxAcu;
    if (!acu || !(acu > 0)) {
      throw new Error(
        `rds: ${s.instanceId} is db.serverless but its cluster has no Serverless v2 scaling configuration`,
      );
    }
    return { ...state, vcpus: Math.ceil(acu), memoryBytes: Math.round(acu * 2 * GIB) };
  }
  const type = state.instanceClass.replace(/^db\./, '');
  let size = sizes.get(type);
  if (!size) {
    const { vcpus, memoryMiB } = await api.instanceType(type, signal);
    if (!vcpus || !memoryMiB)
      throw new Error(`rds: ec2: DescribeInstanceTypes: no vCPU or memory for ${type}`);
    size = { vcpus, memoryMiB };
    sizes.set(type, size);
  }
  return { ...state, vcpus: size.vcpus, memoryBytes: size.memoryMiB * MIB };
}
