/**
 * The Kubernetes API calls this adapter makes (@kubernetes/client-node), each bounded by an abort
 * signal. The RBAC Role in README.md grants exactly these.
 * - Cluster: `GET`/`PATCH` (JSON merge patch) `postgresql.cnpg.io/v1` `clusters/<name>`
 *   (https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/)
 * - Pods: list by label `cnpg.io/cluster=<name>`, get one
 * - Nodes: get one; the kubelet's cAdvisor endpoint through the API server's node proxy
 * - metrics-server: `metrics.k8s.io/v1beta1` PodMetrics of one pod
 */
import {
  ApiException,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Observable,
  PatchStrategy,
  type ConfigurationOptions,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';

export const CNPG_GROUP = 'postgresql.cnpg.io';
export const CNPG_VERSION = 'v1';

/** The part of a CloudNativePG Cluster resource this adapter reads. */
export interface ClusterResource {
  metadata?: { name?: string; generation?: number; annotations?: Record<string, string> };
  spec?: { instances?: number; postgresql?: { parameters?: Record<string, string> } };
  status?: ClusterStatus;
}

/** https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/#postgresql-cnpg-io-v1-ClusterStatus */
export interface ClusterStatus {
  phase?: string;
  instances?: number;
  readyInstances?: number;
  currentPrimary?: string;
  targetPrimary?: string;
}

/** metrics-server PodMetrics (`metrics.k8s.io/v1beta1`). */
export interface PodMetrics {
  containers?: { name?: string; usage?: { cpu?: string; memory?: string } }[];
}

/** One permission, as a SelfSubjectAccessReview's resourceAttributes. */
export interface AccessCheck {
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
  namespace?: string;
  name?: string;
}

export interface CnpgApi {
  getCluster(signal: AbortSignal): Promise<ClusterResource>;
  /** JSON merge patch (RFC 7386) of the Cluster resource. */
  patchCluster(patch: Record<string, unknown>, signal: AbortSignal): Promise<ClusterResource>;
  /** Every instance pod of the cluster (label `cnpg.io/cluster`). */
  listClusterPods(signal: AbortSignal): Promise<V1Pod[]>;
  getPod(name: string, signal: AbortSignal): Promise<V1Pod>;
  getNode(name: string, signal: AbortSignal): Promise<V1Node>;
  podMetrics(name: string, signal: AbortSignal): Promise<PodMetrics>;
  /** The kubelet's `/metrics/cadvisor` text for `node`, through the API server proxy. */
  cadvisor(node: string, signal: AbortSignal): Promise<string>;
  /** Whether this identity may do `check` (SelfSubjectAccessReview). */
  canI(check: AccessCheck, signal: AbortSignal): Promise<boolean>;
}

/** Request options that abort the HTTP request with `signal` (and set extra headers). */
function options(signal: AbortSignal, headers: Record<string, string> = {}): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(signal);
          for (const [k, v] of Object.entries(headers)) ctx.setHeaderParam(k, v);
          return new Observable(Promise.resolve(ctx));
        },
        post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** An API error as `HTTP <code>: <Status.message>`, or the transport error's message. */
export function kubeErrorMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = err.body;
    let message: string | undefined;
    try {
      const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown };
      if (typeof parsed?.message === 'string') message = parsed.message;
    } catch {
      message = typeof body === 'string' && body.length < 300 ? body : undefined;
    }
    // Without a Status body the generated client puts its own text in `Message:` (e.g. Unauthorized).
    const own = /\nMessage: (.*)\n/.exec(err.message)?.[1];
    message ??= own && own !== 'Unknown API Status Code!' ? own : undefined;
    return `HTTP ${err.code}: ${message ?? 'request failed'}`;
  }
  if (err instanceof Error) {
    if (err.name === 'AbortError') return 'aborted';
    return err.message;
  }
  return String(err);
}

export function kubeErrorCode(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

export function createCnpgApi(kc: KubeConfig, namespace: string, clusterName: string): CnpgApi {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const authz = kc.makeApiClient(AuthorizationV1Api);
  const cluster = {
    group: CNPG_GROUP,
    version: CNPG_VERSION,
    namespace,
    plural: 'clusters',
    name: clusterName,
  };
  return {
    async getCluster(signal) {
      return (await custom.getNamespacedCustomObject(cluster, options(signal))) as ClusterResource;
    },
    async patchCluster(patch, signal) {
      const opts = options(signal, { 'Content-Type': PatchStrategy.MergePatch });
      return (await custom.patchNamespacedCustomObject({ ...cluster, body: patch }, opts)) as ClusterResource;
    },
    async listClusterPods(signal) {
      const labelSelector = `cnpg.io/cluster=${clusterName}`;
      return (await core.listNamespacedPod({ namespace, labelSelector }, options(signal))).items;
    },
    async getPod(name, signal) {
      return await core.readNamespacedPod({ name, namespace }, options(signal));
    },
    async getNode(name, signal) {
      return await core.readNode({ name }, options(signal));
    },
    async podMetrics(name, signal) {
      const req = { group: 'metrics.k8s.io', version: 'v1beta1', namespace, plural: 'pods', name };
      return (await custom.getNamespacedCustomObject(req, options(signal))) as PodMetrics;
    },
    async cadvisor(node, signal) {
      return await core.connectGetNodeProxyWithPath(
        { name: node, path: 'metrics/cadvisor' },
        options(signal),
      );
    },
    async canI(check, signal) {
      const { name, ...rest } = check;
      const resourceAttributes = name ? { ...rest, name } : rest;
      const body = {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes },
      };
      const review = await authz.createSelfSubjectAccessReview({ body }, options(signal));
      return review.status?.allowed === true;
    },
  };
}
