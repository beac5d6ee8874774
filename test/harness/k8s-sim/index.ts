/**
 * A Kubernetes API server simulation over https on 127.0.0.1 (node:https, self-signed), for the
 * CloudNativePG adapter's tests. It serves what the adapter's RBAC Role grants:
 *   GET/PATCH /apis/postgresql.cnpg.io/v1/namespaces/{ns}/clusters/{name}  (merge patch only)
 *   GET       /api/v1/namespaces/{ns}/pods?labelSelector=…, /api/v1/namespaces/{ns}/pods/{name}
 *   GET       /api/v1/nodes/{name}, /api/v1/nodes/{name}/proxy/{path}  (metrics/cadvisor)
 *   GET       /apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods/{name}
 *   POST      /apis/authorization.k8s.io/v1/selfsubjectaccessreviews  (allowed unless in `denied`)
 * Requests need `Authorization: Bearer <token>`. Every request is logged; failures are programmable
 * per operation. The Cluster resource acts on a real PostgreSQL (see cnpg.ts).
 * The generated client percent-encodes path parameters, so `/proxy/metrics%2Fcadvisor` is decoded.
 */
import { once } from 'node:events';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { CnpgCluster, type CnpgClusterOptions } from './cnpg.js';
import { cadvisorText, nodeBody, podBody, podMetricsBody, statusBody, type SimNode } from './objects.js';
import { selfSignedTls } from './tls.js';

export { CnpgCluster, PHASE_HEALTHY, RESTART_ANNOTATION, type SimPodSpec } from './cnpg.js';
export type { SimNode } from './objects.js';

export type SimOperation =
  'getCluster' | 'patchCluster' | 'listPods' | 'getPod' | 'getNode' | 'podMetrics' | 'cadvisor';

export interface SimFailure {
  status: number;
  message?: string;
}

export interface SimRequest {
  method: string;
  /** Decoded path. */
  path: string;
  /** Path as sent (percent-encoding kept). */
  rawPath: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
  at: number;
}

function labelSelectorMatches(selector: string, labels: Record<string, string>): boolean {
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term.trim());
      if (!m) return term.trim() in labels;
      const [, key = '', op, value] = m;
      return op === '!=' ? labels[key] !== value : labels[key] === value;
    });
}

export class K8sSim {
  /** PEM of the server certificate (self-signed: also the CA to trust). */
  readonly caPem: string;
  readonly token: string;
  cluster: CnpgCluster | undefined;
  /** Permissions SelfSubjectAccessReview denies, as `<verb> <resource>[/<subresource>]` (e.g. `get nodes/proxy`). */
  readonly denied = new Set<string>();
  private readonly nodes = new Map<string, SimNode>();
  private readonly failures = new Map<SimOperation, { failure: SimFailure; remaining: number }>();
  private readonly log: SimRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: https.Server;

  private constructor(token: string) {
    const tls = selfSignedTls();
    this.caPem = tls.cert;
    this.token = token;
    this.server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      void this.handle(req, res);
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: { token?: string } = {}): Promise<K8sSim> {
    const sim = new K8sSim(opts.token ?? 'k8s-sim-token-5f2a9c');
    sim.server.listen(0, '127.0.0.1');
    await once(sim.server, 'listening');
    return sim;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  addNode(node: SimNode): void {
    this.nodes.set(node.name, node);
  }

  addCluster(opts: CnpgClusterOptions): CnpgCluster {
    this.cluster = new CnpgCluster(opts);
    return this.cluster;
  }

  /** A kubeconfig (YAML) for this server with a bearer token and the CA inline. */
  kubeconfig(namespace: string): string {
    const ca = Buffer.from(this.caPem).toString('base64');
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: sim',
      '  cluster:',
      `    server: ${this.url}`,
      `    certificate-authority-data: ${ca}`,
      'users:',
      '- name: agent',
      '  user:',
      `    token: ${this.token}`,
      'contexts:',
      '- name: sim',
      '  context:',
      '    cluster: sim',
      '    user: agent',
      `    namespace: ${namespace}`,
      'current-context: sim',
      '',
    ].join('\n');
  }

  fail(op: SimOperation, failure: SimFailure, times = Number.POSITIVE_INFINITY): void {
    this.failures.set(op, { failure, remaining: times });
  }

  clearFailures(): void {
    this.failures.clear();
  }

  requests(method?: string, pathMatch?: string | RegExp): SimRequest[] {
    return this.log.filter(
      (r) =>
        (method === undefined || r.method === method) &&
        (pathMatch === undefined ||
          (typeof pathMatch === 'string' ? r.path === pathMatch : pathMatch.test(r.path))),
    );
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  async close(): Promise<void> {
    await this.cluster?.settled();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://k8s');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const record: SimRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      rawPath: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      body,
      at: Date.now(),
    };
    this.log.push(record);
    try {
      if (req.headers.authorization !== `Bearer ${this.token}`)
        return json(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'));
      this.route(record, res);
    } catch (err) {
      if (!res.headersSent)
        json(res, 500, statusBody(500, 'InternalError', err instanceof Error ? err.message : String(err)));
    }
  }

  private failed(op: SimOperation, res: http.ServerResponse): boolean {
    const rule = this.failures.get(op);
    if (!rule || rule.remaining <= 0) return false;
    rule.remaining--;
    const { status, message } = rule.failure;
    json(
      res,
      status,
      statusBody(status, status === 403 ? 'Forbidden' : 'Failure', message ?? `${op} failed`),
    );
    return true;
  }

  private route(r: SimRequest, res: http.ServerResponse): void {
    const c = this.cluster;
    const notFound = (what: string) => json(res, 404, statusBody(404, 'NotFound', `${what} not found`));
    let m = /^\/apis\/postgresql\.cnpg\.io\/v1\/namespaces\/([^/]+)\/clusters\/([^/]+)$/.exec(r.path);
    if (m) {
      if (!c || c.namespace !== m[1] || c.name !== m[2])
        return notFound(`clusters.postgresql.cnpg.io "${m[2]}"`);
      if (r.method === 'GET') {
        if (this.failed('getCluster', res)) return;
        return json(res, 200, c.resource);
      }
      if (r.method === 'PATCH') {
        if (this.failed('patchCluster', res)) return;
        if (r.contentType !== 'application/merge-patch+json')
          return json(
            res,
            415,
            statusBody(415, 'UnsupportedMediaType', `k8s-sim: only merge patch, got ${r.contentType}`),
          );
        return json(res, 200, c.patch(r.body));
      }
      return json(res, 405, statusBody(405, 'MethodNotAllowed', r.method));
    }
    if (r.method === 'POST' && r.path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      const spec = (r.body as { spec?: { resourceAttributes?: Record<string, string> } }).spec;
      const a = spec?.resourceAttributes ?? {};
      const key = `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
      const allowed = !this.denied.has(key);
      return json(res, 201, {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec,
        status: { allowed, ...(allowed ? { reason: 'RBAC: allowed by RoleBinding' } : {}) },
      });
    }
    if (r.method !== 'GET') return json(res, 405, statusBody(405, 'MethodNotAllowed', r.method));
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(r.path);
    if (m) {
      if (this.failed('listPods', res)) return;
      const items =
        c && c.namespace === m[1]
          ? c.pods.filter((p) => labelSelectorMatches(r.query.labelSelector ?? '', c.labels(p)))
          : [];
      return json(res, 200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '1' },
        items: c ? items.map((p) => podBody(c, p)) : [],
      });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(r.path);
    if (m) {
      if (this.failed('getPod', res)) return;
      const p = c && c.namespace === m[1] ? c.pods.find((x) => x.spec.name === m![2]) : undefined;
      return c && p ? json(res, 200, podBody(c, p)) : notFound(`pods "${m[2]}"`);
    }
    m = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/(.+)$/.exec(r.path);
    if (m) {
      if (this.failed('cadvisor', res)) return;
      if (!this.nodes.has(m[1] ?? '') || m[2] !== 'metrics/cadvisor') return notFound(`proxy ${m[2]}`);
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      return void res.end(c ? cadvisorText(c, m[1] ?? '') : '');
    }
    m = /^\/api\/v1\/nodes\/([^/]+)$/.exec(r.path);
    if (m) {
      if (this.failed('getNode', res)) return;
      const n = this.nodes.get(m[1] ?? '');
      return n ? json(res, 200, nodeBody(n)) : notFound(`nodes "${m[1]}"`);
    }
    m = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(r.path);
    if (m) {
      if (this.failed('podMetrics', res)) return;
      const p = c && c.namespace === m[1] ? c.pods.find((x) => x.spec.name === m[2]) : undefined;
      return c && p ? json(res, 200, podMetricsBody(c, p)) : notFound(`podmetrics "${m[2]}"`);
    }
    return notFound(r.path);
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
