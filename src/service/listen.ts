/** `health.listen` → host and port for node:http (`127.0.0.1:9188`, `:9188`, `9188`, `[::1]:9188`). */
export interface ListenAddress {
  /** undefined: every interface. */
  host: string | undefined;
  port: number;
}

export function parseListen(value: string): ListenAddress {
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):)?(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new Error(`health.listen: ${JSON.stringify(value)} is not host:port (env: DBT_HEALTH_LISTEN)`);
  }
  const host = m[1] ?? (m[2] === '' ? undefined : m[2]);
  return { host, port };
}
