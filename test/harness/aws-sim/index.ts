/**
 * A wire-level AWS simulation for the rds and aurora adapters: one in-process HTTP server that
 * answers RDS and EC2 (query protocols, XML), CloudWatch (JSON 1.0) and Performance Insights
 * (JSON 1.1) as the real SDK clients call them, reached through the SDK's standard
 * `AWS_ENDPOINT_URL`. Requests must be SigV4-signed with the configured access key. Instances may be
 * backed by a harness PostgreSQL cluster, so a parameter group change ends in `pg_settings` (see
 * rds.ts). Faults (throttling, denied IAM actions, any error) are programmable per action, and every
 * request is logged.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { Socket } from 'node:net';
import type { PgCluster } from '../postgres.js';
import {
  INSTANCE_TYPES,
  describeInstanceTypes,
  getMetricData,
  getResourceMetrics,
  type InstanceMetrics,
  type InstanceType,
  type MetricValue,
  type RdsMetric,
} from './monitoring.js';
import { catalogueFrom, type SimGroup, type SimParameter } from './parameters.js';
import { RdsState, type ParameterApplyStatus, type SimCluster, type SimInstance } from './rds.js';
import { SimAwsError, parseForm, reply, replyError, type AwsErrorSpec, type Protocol } from './wire.js';

export type { ParameterApplyStatus, SimCluster, SimGroup, SimInstance, SimParameter };
export { MAX_PARAMETERS_PER_CALL } from './rds.js';

export type AwsService = 'rds' | 'ec2' | 'cloudwatch' | 'pi';

export interface SimRequest {
  service: AwsService;
  action: string;
  /** Form parameters (query protocols) or the JSON body. */
  params: Record<string, unknown>;
  accessKeyId: string | undefined;
  region: string | undefined;
  at: number;
}

export interface InstanceSpec {
  id: string;
  instanceClass?: string;
  engine?: 'postgres' | 'aurora-postgresql';
  engineVersion?: string;
  parameterGroup: string;
  clusterId?: string;
  piEnabled?: boolean;
  pg?: PgCluster;
}

export interface GroupSpec {
  name: string;
  family?: string;
  kind?: 'instance' | 'cluster';
  /** The server whose pg_settings lists the parameters. */
  from: PgCluster;
  /** Keep only these parameters (default: all). */
  only?: (name: string) => boolean;
  /** Values set at creation (`{DBInstanceClassMemory/32768}` formulas included), source `system`. */
  values?: Record<string, string>;
}

const ACCESS_KEY = 'AKIDSIMULATION000001';
const SECRET_KEY = 'simulation-secret-key';

export class AwsSim {
  /** The static credentials the simulation accepts. */
  readonly accessKeyId = ACCESS_KEY;
  readonly secretAccessKey = SECRET_KEY;
  readonly rds = new RdsState();
  readonly instanceTypes: Record<string, InstanceType> = { ...INSTANCE_TYPES };
  private readonly metrics = new Map<string, InstanceMetrics>();
  private readonly faults = new Map<string, { error: AwsErrorSpec; remaining: number; skip: number }>();
  private readonly log: SimRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;
  private seq = 0;
  /** The simulation's clock for metric timestamps. */
  now: () => number = () => Date.now();

  private constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(): Promise<AwsSim> {
    const sim = new AwsSim();
    sim.server.listen(0, '127.0.0.1');
    await once(sim.server, 'listening');
    return sim;
  }

  /** The value for `AWS_ENDPOINT_URL`. */
  get endpoint(): string {
    const addr = this.server.address();
    if (!addr || typeof addr === 'string') throw new Error('aws-sim: not listening');
    return `http://127.0.0.1:${addr.port}`;
  }

  /** Standard SDK environment pointing at the simulation with its static keys. */
  env(region = 'eu-west-1'): Record<string, string> {
    return {
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_ACCESS_KEY_ID: this.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.secretAccessKey,
      AWS_REGION: region,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  }

  async addParameterGroup(spec: GroupSpec): Promise<SimGroup> {
    const params = new Map<string, SimParameter>();
    for (const p of await catalogueFrom(spec.from)) {
      if (spec.only && !spec.only(p.ParameterName)) continue;
      const value = spec.values?.[p.ParameterName];
      params.set(
        p.ParameterName,
        value === undefined ? p : { ...p, ParameterValue: value, Source: 'system' },
      );
    }
    const group: SimGroup = {
      name: spec.name,
      family: spec.family ?? 'postgres17',
      kind: spec.kind ?? 'instance',
      params,
    };
    this.rds.groups.set(spec.name, group);
    return group;
  }

  parameter(group: string, name: string): SimParameter {
    const p = this.rds.groups.get(group)?.params.get(name);
    if (!p) throw new Error(`aws-sim: no parameter ${name} in ${group}`);
    return p;
  }

  addCluster(spec: {
    id: string;
    parameterGroup: string;
    engine?: SimCluster['engine'];
    serverlessV2?: SimCluster['serverlessV2'];
  }): SimCluster {
    const c: SimCluster = { engine: 'aurora-postgresql', ...spec, members: [] };
    this.rds.clusters.set(spec.id, c);
    return c;
  }

  addInstance(spec: InstanceSpec): SimInstance {
    const inst: SimInstance = {
      id: spec.id,
      instanceClass: spec.instanceClass ?? 'db.r6g.large',
      engine: spec.engine ?? (spec.clusterId ? 'aurora-postgresql' : 'postgres'),
      engineVersion: spec.engineVersion ?? '17.5',
      status: 'available',
      dbiResourceId: `db-${spec.id.toUpperCase().replace(/[^A-Z0-9]/g, '')}SIM`,
      clusterId: spec.clusterId,
      parameterGroup: spec.parameterGroup,
      applyStatus: 'in-sync',
      clusterApplyStatus: 'in-sync',
      piEnabled: spec.piEnabled ?? false,
      pg: spec.pg,
      pendingReboot: new Set(),
    };
    this.rds.instances.set(spec.id, inst);
    if (spec.clusterId) {
      const c = this.rds.clusters.get(spec.clusterId);
      if (!c) throw new Error(`aws-sim: no cluster ${spec.clusterId}`);
      c.members.push(spec.id);
    }
    this.metrics.set(spec.id, { cloudwatch: {}, activeMemoryKb: null });
    return inst;
  }

  instance(id: string): SimInstance {
    return this.rds.instance(id);
  }

  setMetrics(id: string, values: Partial<Record<RdsMetric, MetricValue>>): void {
    const m = this.metrics.get(id);
    if (!m) throw new Error(`aws-sim: no instance ${id}`);
    Object.assign(m.cloudwatch, values);
  }

  setActiveMemoryKb(id: string, kb: number | null): void {
    const m = this.metrics.get(id);
    if (!m) throw new Error(`aws-sim: no instance ${id}`);
    m.activeMemoryKb = kb;
  }

  /**
   * Fail `times` calls of an action (`RebootDBInstance`, `GetMetricData`, …), after letting `skip`
   * calls through.
   */
  fail(action: string, error: AwsErrorSpec, times = Number.POSITIVE_INFINITY, skip = 0): void {
    this.faults.set(action, { error, remaining: times, skip });
  }

  /** The standard throttling error, which the SDK's standard retry mode retries. */
  throttle(action: string, times: number): void {
    this.fail(action, { code: 'Throttling', message: 'Rate exceeded', status: 400 }, times);
  }

  /** Deny an action as IAM does, naming it (`rds:ModifyDBParameterGroup`). */
  deny(action: string): void {
    const service = this.serviceOf(action);
    const prefix = service === 'cloudwatch' ? 'cloudwatch' : service;
    const code =
      service === 'ec2'
        ? 'UnauthorizedOperation'
        : service === 'pi'
          ? 'NotAuthorizedException'
          : 'AccessDenied';
    this.fail(action, {
      code,
      status: 403,
      message:
        `User: arn:aws:iam::123456789012:user/dbtune-agent is not authorized to perform: ` +
        `${prefix}:${action} because no identity-based policy allows the ${prefix}:${action} action`,
    });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  requests(action?: string): SimRequest[] {
    return this.log.filter((r) => action === undefined || r.action === action);
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  /** Wait for background applies and reboots to finish. */
  settle(): Promise<void> {
    return this.rds.settle();
  }

  async close(): Promise<void> {
    await this.rds.settle();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serviceOf(action: string): AwsService {
    if (action === 'DescribeInstanceTypes') return 'ec2';
    if (action === 'GetMetricData') return 'cloudwatch';
    if (action === 'GetResourceMetrics') return 'pi';
    return 'rds';
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const requestId = `sim-${++this.seq}`;
    const target = String(req.headers['x-amz-target'] ?? '');
    let protocol: Protocol = 'query';
    let service: AwsService = 'rds';
    try {
      let action: string;
      let params: Record<string, unknown>;
      if (target) {
        const [prefix, name] = target.split('.');
        action = name ?? '';
        if (prefix === 'GraniteServiceVersion20100801') [protocol, service] = ['json1.0', 'cloudwatch'];
        else if (prefix === 'PerformanceInsightsv20180227') [protocol, service] = ['json1.1', 'pi'];
        else throw new SimAwsError('UnknownOperationException', `aws-sim: unknown target ${target}`);
        params = JSON.parse(body || '{}') as Record<string, unknown>;
      } else {
        const form = parseForm(body);
        params = form;
        action = form.Action ?? '';
        if (form.Version === '2016-11-15') [protocol, service] = ['ec2', 'ec2'];
        else if (form.Version !== '2014-10-31')
          throw new SimAwsError('InvalidAction', `aws-sim: unknown API version ${form.Version ?? ''}`);
      }
      const auth = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(
        String(req.headers.authorization ?? ''),
      );
      this.log.push({ service, action, params, accessKeyId: auth?.[1], region: auth?.[2], at: Date.now() });
      if (auth?.[1] !== this.accessKeyId) {
        throw new SimAwsError(
          service === 'pi' || service === 'cloudwatch'
            ? 'UnrecognizedClientException'
            : 'InvalidClientTokenId',
          'The security token included in the request is invalid.',
          403,
        );
      }
      const fault = this.faults.get(action);
      if (fault && fault.skip > 0) fault.skip--;
      else if (fault && fault.remaining > 0) {
        fault.remaining--;
        throw new SimAwsError(fault.error.code, fault.error.message, fault.error.status);
      }
      reply(res, protocol, action, this.dispatch(service, action, params), requestId);
    } catch (err) {
      const e =
        err instanceof SimAwsError
          ? { code: err.code, message: err.message, status: err.status }
          : {
              code: 'InternalFailure',
              message: err instanceof Error ? err.message : String(err),
              status: 500,
            };
      replyError(res, protocol, e, requestId);
    }
  }

  private dispatch(
    service: AwsService,
    action: string,
    params: Record<string, unknown>,
  ): Record<string, unknown> {
    const { instances } = this.rds;
    switch (service) {
      case 'rds':
        return this.rds.handle(action, params as Record<string, string>);
      case 'ec2':
        if (action !== 'DescribeInstanceTypes')
          throw new SimAwsError('InvalidAction', `aws-sim: EC2 action ${action} is not simulated`);
        return describeInstanceTypes(params as Record<string, string>, this.instanceTypes);
      case 'cloudwatch':
        if (action !== 'GetMetricData')
          throw new SimAwsError('InvalidAction', `aws-sim: CloudWatch action ${action} is not simulated`);
        return getMetricData(params, instances, this.metrics, this.now());
      case 'pi':
        if (action !== 'GetResourceMetrics')
          throw new SimAwsError('InvalidAction', `aws-sim: PI action ${action} is not simulated`);
        return getResourceMetrics(params, instances, this.metrics, this.now());
    }
  }
}
