/**
 * Outbound proxies for the AWS SDK clients. The SDK v3 does not read `HTTPS_PROXY` / `HTTP_PROXY` /
 * `NO_PROXY` itself (docs/OPERATIONS.md, "Proxies and TLS"), so each client gets a request handler
 * whose agents tunnel through the proxy the environment chooses for that client's endpoint — the
 * same decision the platform client makes (`src/net/proxy.ts`). The endpoint is the one the SDK
 * will call: `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`, else the regional endpoint
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), so `NO_PROXY=.amazonaws.com`
 * or a VPC endpoint listed in `NO_PROXY` behave as operators expect.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createProxyAgents, proxyUrlFor } from '../../src/net/proxy.js';

export type AwsService = 'rds' | 'cloudwatch' | 'pi' | 'ec2';

/** The service's endpoint prefix (the host's first label) and its `AWS_ENDPOINT_URL_<ID>` suffix. */
const SERVICES: Record<AwsService, { prefix: string; envId: string }> = {
  rds: { prefix: 'rds', envId: 'RDS' },
  cloudwatch: { prefix: 'monitoring', envId: 'CLOUDWATCH' },
  pi: { prefix: 'pi', envId: 'PI' },
  ec2: { prefix: 'ec2', envId: 'EC2' },
};

/** The URL the SDK client for `service` will call in `region`. */
export function awsEndpointUrl(
  service: AwsService,
  region: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const { prefix, envId } = SERVICES[service];
  const configured = env[`AWS_ENDPOINT_URL_${envId}`]?.trim() || env.AWS_ENDPOINT_URL?.trim();
  if (configured) return configured;
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${prefix}.${region}.${domain}`;
}

/** The proxy URL for the service's endpoint, or undefined for a direct connection. */
export function awsProxyUrl(service: AwsService, region: string): string | undefined {
  return proxyUrlFor(awsEndpointUrl(service, region));
}

/**
 * SDK client options for the service: a request handler that goes through the proxy when the
 * environment names one for its endpoint, nothing (the SDK's default handler) otherwise.
 */
export function awsProxyOptions(service: AwsService, region: string): { requestHandler?: NodeHttpHandler } {
  const proxy = proxyUrlFor(awsEndpointUrl(service, region));
  if (proxy === undefined) return {};
  // Agents of its own: the handler destroys them when the client is destroyed.
  const agents = createProxyAgents(proxy);
  return { requestHandler: new NodeHttpHandler({ httpAgent: agents.http, httpsAgent: agents.https }) };
}
