/**
 * The platform the agent talks to: the DBtune SaaS at `dbtune.server_url`, or the embedded
 * platform (`server_url: embedded`), started in-process on 127.0.0.1 with a random API key. The
 * agent uses the same HTTP client either way, so nothing else knows the difference.
 */
import type { Config } from '../config/index.js';
import { startEmbeddedForAgent, type EmbeddedSessionControl } from '../embedded/attach.js';
import type { Logger } from '../log.js';
import { registerSecret } from '../log.js';
import { PlatformClient } from '../platform/client.js';
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

/**
 * `purpose: 'check'` never creates a saved embedded session: `check` talks to a throwaway platform.
 */
export function connectPlatform(
  config: Config,
  log: Logger,
  io: Io,
  purpose: 'run' | 'check' = 'run',
): Promise<ConnectedPlatform> {
  if (config.dbtune.server_url === 'embedded') return startEmbeddedForAgent(config, log, io, purpose);
  const apiKey = config.dbtune.api_key ?? '';
  const databaseId = config.dbtune.database_id ?? '';
  registerSecret(apiKey);
  const client = new PlatformClient({
    serverUrl: config.dbtune.server_url,
    apiKey,
    databaseId,
    log,
    agentVersion: AGENT_VERSION,
  });
  const forwarder = new RawLogForwarder({ client, log });
  return Promise.resolve({
    client,
    forwarder,
    label: new URL(config.dbtune.server_url).origin,
    close: () => Promise.resolve(),
  });
}
