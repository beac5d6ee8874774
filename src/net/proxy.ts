/**
 * Outbound proxies, as operators set them for every daemon: `HTTPS_PROXY` / `HTTP_PROXY` (or their
 * lower-case forms, and `ALL_PROXY`) choose the proxy by the target URL's scheme, and `NO_PROXY`
 * (comma-separated hosts, `.domain` suffixes, `host:port`, `*`) exempts targets — the convention
 * of curl and of Go's net/http (`http.ProxyFromEnvironment`), which the Go agent's client uses.
 * Like Go, loopback targets (`localhost`, 127.0.0.0/8, ::1) never go through a proxy, so the
 * embedded platform on 127.0.0.1 keeps working behind a corporate proxy. Proxy credentials
 * (`http://user:pass@proxy:3128`) are sent as `Proxy-Authorization: Basic`.
 *
 * The URL → proxy decision is proxy-from-env's (https://github.com/Rob--W/proxy-from-env); the
 * tunnel (HTTP CONNECT, for http and https targets alike, keep-alive) is hpagent's
 * (https://github.com/delvedor/hpagent). A custom CA bundle (`NODE_EXTRA_CA_CERTS`) needs nothing
 * here: Node adds it to the default trust store that the TLS connection inside the tunnel uses.
 *
 * How each client gets a proxy (checked against the pinned versions in package.json):
 * - the platform client (got): `agent: proxyAgentFor(serverUrl)` (src/platform/http.ts).
 * - AWS SDK v3 (RDS, CloudWatch): does NOT read the proxy env vars. Pass
 *   `requestHandler: new NodeHttpHandler({ httpsAgent: proxyAgentFor(endpoint)?.https })`
 *   (`@smithy/node-http-handler`), with the regional endpoint URL as the target.
 * - Google (google-gax over gRPC, gaxios for REST and google-auth-library's token requests):
 *   honour `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` by themselves (grpc-js also reads
 *   `grpc_proxy` and `no_grpc_proxy`); nothing to pass.
 * - Azure (`@azure/core-rest-pipeline`, used by arm-postgresql-flexible and @azure/identity): its
 *   default pipeline's proxyPolicy reads the same env vars in Node; nothing to pass.
 * - Kubernetes (`@kubernetes/client-node` 1.4): only the kubeconfig cluster's `proxy-url`, not the
 *   env vars; in-cluster traffic normally needs none.
 * - Docker (unix socket): no proxy applies. Aiven and Patroni clients written with got take
 *   `agent: proxyAgentFor(url)` as the platform client does.
 */
import type http from 'node:http';
import type https from 'node:https';
import { isIP } from 'node:net';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { getProxyForUrl } from 'proxy-from-env';

/** got's `agent` option: one agent per target scheme. */
export interface ProxyAgents {
  http: http.Agent;
  https: https.Agent;
}

/** Whether a host is this machine (Go's httpproxy never proxies these). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

/** The proxy URL for a target, from the environment; undefined for a direct connection. */
export function proxyUrlFor(target: string): string | undefined {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  if (isLoopbackHost(url.hostname)) return undefined;
  const proxy = getProxyForUrl(url.href);
  return proxy === '' ? undefined : proxy;
}

/** `http://proxy:3128` without credentials, for log lines. */
export function proxyLabel(proxy: string): string {
  try {
    const u = new URL(proxy);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(unparsable proxy URL)';
  }
}

const agents = new Map<string, ProxyAgents>();

/**
 * Agents that tunnel through the proxy the environment chooses for `target`, or undefined for a
 * direct connection. Agents are shared per proxy URL, so connections to the proxy are kept alive.
 */
export function proxyAgentFor(target: string): ProxyAgents | undefined {
  const proxy = proxyUrlFor(target);
  if (proxy === undefined) return undefined;
  let pair = agents.get(proxy);
  if (!pair) {
    const common = { proxy, keepAlive: true, maxSockets: 16, maxFreeSockets: 4, scheduling: 'lifo' as const };
    pair = { http: new HttpProxyAgent(common), https: new HttpsProxyAgent(common) };
    agents.set(proxy, pair);
  }
  return pair;
}
