/**
 * The platform the agent talks to: the DBtune SaaS at `dbtune.server_url`, or the embedded
 * platform (`server_url: embedded`), started in-process on 127.0.0.1 with a random API key. The
 * agent uses the same HTTP client either way, so nothing else knows the difference.
 */
import type { Config } from '../config/index.js';
import type { EmbeddedSessionControl } from '../embedded/attach.js';
import type { Logger } from '../log.js';
import { registerSecret } from '../log.js';
import { proxyLabel, proxyUrlFor } from '../net/proxy.js';
import { PlatformClient, type CallOutcome } from '../platform/client.js';
import { RawLogForwarder } from '../platform/raw-logs.js';
import type { Io } from './program.js';
import { AGENT_VERSION } from './version.js';

export interface ConnectedPlatform {
  client: PlatformClient;
  forwarder: RawLogForwarder;
  /** For the startup log line (never the key). */
  label: string;
  /** The embedded platform's tuning session (absent for the SaaS and for `check`). */
  session?: EmbeddedSessionControl;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** Every platform call's outcome (service metrics and readiness). */
  onCall?: (outcome: CallOutcome) => void;
  /** `check` never creates a saved embedded session: it talks to a throwaway platform. */
  purpose?: 'run' | 'check';
  /** The adapter's database password provider (Azure Entra), for the embedded platform's own connection. */
  password?: () => Promise<string>;
  /** Process shutdown: the embedded platform stops waiting for a database that is starting up. */
  signal?: AbortSignal;
}

export function connectPlatform(
  config: Config,
  log: Logger,
  io: Io,
  options: PlatformOptions = {},
): Promise<ConnectedPlatform> {
  if (config.dbtune.server_url === 'embedded') {
    // Loaded only when used: the embedded platform and its tuner are ~27 modules `--local` never needs.
    return import('../embedded/attach.js').then((m) => m.startEmbeddedForAgent(config, log, io, options));
  }
  const apiKey = config.dbtune.api_key ?? '';
  const databaseId = config.dbtune.database_id ?? '';
  registerSecret(apiKey);
  const client = new PlatformClient({
    serverUrl: config.dbtune.server_url,
    apiKey,
    databaseId,
    log,
    agentVersion: AGENT_VERSION,
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
  const forwarder = new RawLogForwarder({ client, log });
  return Promise.resolve({
    client,
    forwarder,
    label: withProxy(new URL(config.dbtune.server_url).origin, proxyUrlFor(config.dbtune.server_url)),
    close: () => Promise.resolve(),
  });
}

function withProxy(origin: string, proxy: string | undefined): string {
  return proxy === undefined ? origin : `${origin} via proxy ${proxyLabel(proxy)}`;
}
