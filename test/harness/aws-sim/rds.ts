/**
 * The RDS actions of the simulation (query protocol, API 2014-10-31). Instances may be backed by a
 * harness PostgreSQL cluster: a parameter applied `immediate` becomes ALTER SYSTEM + pg_reload_conf()
 * after `applying`, a `pending-reboot` one waits for RebootDBInstance, which really restarts the
 * server. ParameterApplyStatus follows applying → in-sync / pending-reboot, as in
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBParameterGroupStatus.html
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PgCluster } from '../postgres.js';
import { checkValue, serverValue, type ApplyMethod, type SimGroup, type SimParameter } from './parameters.js';
import { SimAwsError, formList, list, type FormParams, type XmlValue } from './wire.js';

export type ParameterApplyStatus =
  'in-sync' | 'applying' | 'pending-reboot' | 'pending-database-upgrade' | 'failed-to-apply';

export interface SimInstance {
  id: string;
  instanceClass: string;
  engine: 'postgres' | 'aurora-postgresql';
  engineVersion: string;
  status: string;
  dbiResourceId: string;
  clusterId?: string;
  parameterGroup: string;
  applyStatus: ParameterApplyStatus;
  /** Aurora member status of the cluster parameter group. */
  clusterApplyStatus: ParameterApplyStatus;
  piEnabled: boolean;
  pg?: PgCluster;
  /** Parameters written with pending-reboot, applied by the next reboot. */
  pendingReboot: Set<string>;
}

export interface SimCluster {
  id: string;
  engine: 'postgres' | 'aurora-postgresql';
  parameterGroup: string;
  serverlessV2?: { MinCapacity: number; MaxCapacity: number };
  members: string[];
}

export interface RdsTiming {
  /** How long ParameterApplyStatus stays `applying` after a modification. */
  applyDelayMs: number;
  /** How long an instance stays `rebooting` before its server restarts. */
  rebootDelayMs: number;
}

/** The service's limit per ModifyDBParameterGroup call. */
export const MAX_PARAMETERS_PER_CALL = 20;
const PAGE = 100;

export class RdsState {
  readonly instances = new Map<string, SimInstance>();
  readonly clusters = new Map<string, SimCluster>();
  readonly groups = new Map<string, SimGroup>();
  readonly timing: RdsTiming = { applyDelayMs: 200, rebootDelayMs: 200 };
  /**
   * Reboots that end in `incompatible-parameters` without starting the server, as when it cannot
   * start with the group's values (the pending values are still written to its configuration).
   */
  failedStarts = 0;
  /** Background work (applies, reboots): awaited by `settle()` and on close. */
  private readonly work = new Set<Promise<void>>();

  async settle(): Promise<void> {
    while (this.work.size) await Promise.allSettled([...this.work]);
  }

  handle(action: string, p: FormParams): Record<string, XmlValue> {
    switch (action) {
      case 'DescribeDBInstances':
        return this.describeInstances(p);
      case 'DescribeDBClusters':
        return this.describeClusters(p);
      case 'DescribeDBParameters':
        return this.describeParameters(this.group(p.DBParameterGroupName, 'instance'), p);
      case 'DescribeDBClusterParameters':
        return this.describeParameters(this.group(p.DBClusterParameterGroupName, 'cluster'), p);
      case 'ModifyDBParameterGroup':
        return this.modify(this.group(p.DBParameterGroupName, 'instance'), p, false);
      case 'ModifyDBClusterParameterGroup':
        return this.modify(this.group(p.DBClusterParameterGroupName, 'cluster'), p, false);
      case 'ResetDBParameterGroup':
        return this.modify(this.group(p.DBParameterGroupName, 'instance'), p, true);
      case 'ResetDBClusterParameterGroup':
        return this.modify(this.group(p.DBClusterParameterGroupName, 'cluster'), p, true);
      case 'RebootDBInstance':
        return this.reboot(p);
      default:
        throw new SimAwsError('InvalidAction', `aws-sim: RDS action ${action} is not simulated`);
    }
  }

  instance(id: string | undefined): SimInstance {
    const i = id ? this.instances.get(id) : undefined;
    if (!i) throw new SimAwsError('DBInstanceNotFound', `DBInstance ${id ?? ''} not found.`, 404);
    return i;
  }

  private group(name: string | undefined, kind: SimGroup['kind']): SimGroup {
    const g = name ? this.groups.get(name) : undefined;
    if (!g || g.kind !== kind) {
      throw kind === 'instance'
        ? new SimAwsError('DBParameterGroupNotFound', `DBParameterGroup not found: ${name ?? ''}`, 404)
        : new SimAwsError(
            'DBParameterGroupNotFound',
            `DBClusterParameterGroup not found: ${name ?? ''}`,
            404,
          );
    }
    return g;
  }

  private describeInstances(p: FormParams): Record<string, XmlValue> {
    const selected = p.DBInstanceIdentifier
      ? [this.instance(p.DBInstanceIdentifier)]
      : [...this.instances.values()];
    return {
      DBInstances: list(
        'DBInstance',
        selected.map((i) => this.instanceXml(i)),
      ),
    };
  }

  instanceXml(i: SimInstance): Record<string, XmlValue> {
    return {
      DBInstanceIdentifier: i.id,
      DBInstanceClass: i.instanceClass,
      Engine: i.engine,
      EngineVersion: i.engineVersion,
      DBInstanceStatus: i.status,
      DbiResourceId: i.dbiResourceId,
      DBClusterIdentifier: i.clusterId,
      PerformanceInsightsEnabled: i.piEnabled,
      DBParameterGroups: list('DBParameterGroup', [
        { DBParameterGroupName: i.parameterGroup, ParameterApplyStatus: i.applyStatus },
      ]),
    };
  }

  private describeClusters(p: FormParams): Record<string, XmlValue> {
    const id = p.DBClusterIdentifier;
    const c = id ? this.clusters.get(id) : undefined;
    if (id && !c) throw new SimAwsError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
    const selected = c ? [c] : [...this.clusters.values()];
    return {
      DBClusters: list(
        'DBCluster',
        selected.map((cl) => ({
          DBClusterIdentifier: cl.id,
          Engine: cl.engine,
          Status: 'available',
          DBClusterParameterGroup: cl.parameterGroup,
          DBClusterMembers: list(
            'DBClusterMember',
            cl.members.map((m, n) => ({
              DBInstanceIdentifier: m,
              IsClusterWriter: n === 0,
              DBClusterParameterGroupStatus: this.instances.get(m)?.clusterApplyStatus ?? 'in-sync',
            })),
          ),
          ServerlessV2ScalingConfiguration: cl.serverlessV2,
        })),
      ),
    };
  }

  private describeParameters(g: SimGroup, p: FormParams): Record<string, XmlValue> {
    const maxRecords = p.MaxRecords ? Number(p.MaxRecords) : PAGE;
    if (!(maxRecords >= 20 && maxRecords <= 100))
      throw new SimAwsError('InvalidParameterValue', 'MaxRecords must be between 20 and 100');
    const all = [...g.params.values()].filter((x) => !p.Source || x.Source === p.Source);
    const start = p.Marker ? Number(p.Marker) : 0;
    const page = all.slice(start, start + maxRecords);
    const next = start + maxRecords < all.length ? String(start + maxRecords) : undefined;
    return {
      Parameters: list(
        'Parameter',
        page.map((x) => ({
          ParameterName: x.ParameterName,
          ParameterValue: x.ParameterValue,
          Description: x.Description,
          Source: x.Source,
          ApplyType: x.ApplyType,
          DataType: x.DataType,
          AllowedValues: x.AllowedValues,
          IsModifiable: x.IsModifiable,
          ApplyMethod: 'pending-reboot',
        })),
      ),
      Marker: next,
    };
  }

  /** Instances a group's change reaches, with the parameter names it changes for each. */
  private reached(g: SimGroup): SimInstance[] {
    if (g.kind === 'instance') return [...this.instances.values()].filter((i) => i.parameterGroup === g.name);
    const out: SimInstance[] = [];
    for (const c of this.clusters.values()) {
      if (c.parameterGroup !== g.name) continue;
      for (const m of c.members) {
        const i = this.instances.get(m);
        if (i) out.push(i);
      }
    }
    return out;
  }

  private modify(g: SimGroup, p: FormParams, reset: boolean): Record<string, XmlValue> {
    const nameKey = g.kind === 'instance' ? 'DBParameterGroupName' : 'DBClusterParameterGroupName';
    if (g.name.startsWith('default.')) {
      throw new SimAwsError(
        'InvalidParameterValue',
        `The parameter group ${g.name} can't be modified because it is a default parameter group.`,
      );
    }
    const items = formList(p, 'Parameters');
    if (reset && p.ResetAllParameters === 'true') {
      throw new SimAwsError('InvalidParameterCombination', 'aws-sim: ResetAllParameters is not simulated');
    }
    if (items.length === 0) throw new SimAwsError('MissingParameter', 'Parameters must not be empty');
    if (items.length > MAX_PARAMETERS_PER_CALL) {
      throw new SimAwsError(
        'InvalidParameterValue',
        `A maximum of ${MAX_PARAMETERS_PER_CALL} parameters can be modified in a single request.`,
      );
    }
    // Validate the whole request first: one bad parameter refuses all of them.
    const changes: { param: SimParameter; value: string | undefined; method: ApplyMethod }[] = [];
    for (const item of items) {
      const name = item.ParameterName ?? '';
      const param = g.params.get(name);
      if (!param) {
        throw new SimAwsError('InvalidParameterValue', `Could not find parameter with name: ${name}`);
      }
      if (!param.IsModifiable) {
        throw new SimAwsError('InvalidParameterValue', `The parameter ${name} cannot be modified.`);
      }
      const method = item.ApplyMethod as ApplyMethod | undefined;
      if (method !== 'immediate' && method !== 'pending-reboot') {
        throw new SimAwsError('InvalidParameterValue', `Invalid apply method ${String(method)} for ${name}`);
      }
      if (param.ApplyType === 'static' && method === 'immediate') {
        throw new SimAwsError(
          'InvalidParameterCombination',
          `cannot use immediate apply method for static parameter`,
        );
      }
      if (reset) {
        changes.push({ param, value: undefined, method });
        continue;
      }
      const value = item.ParameterValue;
      if (value === undefined) throw new SimAwsError('InvalidParameterValue', `No value for ${name}`);
      checkValue(param, value);
      changes.push({ param, value, method });
    }
    for (const c of changes) {
      c.param.ParameterValue = c.value;
      c.param.Source = c.value === undefined ? 'engine-default' : 'user';
    }
    for (const inst of this.reached(g)) this.schedule(inst, g, changes);
    return { [nameKey]: g.name };
  }

  /** What the group change does to one instance: applying, then live values or a pending reboot. */
  private schedule(
    inst: SimInstance,
    g: SimGroup,
    changes: { param: SimParameter; method: ApplyMethod }[],
  ): void {
    const statusKey = g.kind === 'instance' ? 'applyStatus' : 'clusterApplyStatus';
    const overridden = (name: string) =>
      g.kind === 'cluster' && this.groups.get(inst.parameterGroup)?.params.get(name)?.Source === 'user';
    const now = changes.filter((c) => c.method === 'immediate' && !overridden(c.param.ParameterName));
    for (const c of changes) {
      if (c.method === 'pending-reboot' && !overridden(c.param.ParameterName))
        inst.pendingReboot.add(c.param.ParameterName);
    }
    inst[statusKey] = 'applying';
    const job = (async () => {
      await sleep(this.timing.applyDelayMs);
      try {
        if (inst.pg && now.length) {
          for (const c of now) await alterSystem(inst.pg, c.param.ParameterName, serverValue(c.param));
          await inst.pg.sql('SELECT pg_reload_conf()');
        }
        inst[statusKey] = inst.pendingReboot.size ? 'pending-reboot' : 'in-sync';
      } catch {
        inst[statusKey] = 'failed-to-apply';
      }
    })();
    this.track(job);
  }

  private reboot(p: FormParams): Record<string, XmlValue> {
    const inst = this.instance(p.DBInstanceIdentifier);
    // An instance that could not start with its parameters may be rebooted once they are fixed.
    if (inst.status !== 'available' && inst.status !== 'incompatible-parameters') {
      throw new SimAwsError(
        'InvalidDBInstanceState',
        `Instance ${inst.id} is not in available state (it is ${inst.status}).`,
      );
    }
    inst.status = 'rebooting';
    const job = (async () => {
      await sleep(this.timing.rebootDelayMs);
      try {
        if (inst.pg) {
          // The service rewrites the server's configuration while it is down; the simulation
          // writes it with ALTER SYSTEM, so it starts a stopped server first.
          if (!inst.pg.isRunning()) await inst.pg.start();
          for (const name of inst.pendingReboot) {
            await alterSystem(inst.pg, name, serverValue(this.effective(inst, name)));
          }
          if (this.failedStarts > 0) {
            this.failedStarts--;
            await inst.pg.stop('fast');
            inst.status = 'incompatible-parameters';
            return;
          }
          await inst.pg.restart();
        }
        inst.pendingReboot.clear();
        if (inst.applyStatus === 'pending-reboot') inst.applyStatus = 'in-sync';
        if (inst.clusterApplyStatus === 'pending-reboot') inst.clusterApplyStatus = 'in-sync';
        inst.status = 'available';
      } catch {
        // The service's state for an instance that cannot start with its parameter group.
        inst.status = 'incompatible-parameters';
      }
    })();
    this.track(job);
    return { DBInstance: this.instanceXml(inst) };
  }

  /** The parameter that decides a server value: the instance group's own, else the cluster group's. */
  private effective(inst: SimInstance, name: string): SimParameter | undefined {
    const own = this.groups.get(inst.parameterGroup)?.params.get(name);
    if (own?.ParameterValue !== undefined) return own;
    const cluster = inst.clusterId ? this.clusters.get(inst.clusterId) : undefined;
    const fromCluster = cluster ? this.groups.get(cluster.parameterGroup)?.params.get(name) : undefined;
    return fromCluster ?? own;
  }

  private track(job: Promise<void>): void {
    this.work.add(job);
    void job.finally(() => this.work.delete(job));
  }
}

async function alterSystem(pg: PgCluster, name: string, value: string | null): Promise<void> {
  if (!/^[a-z_][a-z0-9_.]*$/.test(name)) throw new Error(`aws-sim: bad parameter name ${name}`);
  await pg.sql(
    value === null
      ? `ALTER SYSTEM RESET ${name}`
      : `ALTER SYSTEM SET ${name} TO '${value.replace(/'/g, "''")}'`,
  );
}
