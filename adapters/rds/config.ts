/**
 * The adapter's settings: section `rds` for `--rds`, `rds-aurora` for `--aurora`, with
 * the same keys. Credentials are static only when both keys are given; otherwise the SDK's default
 * chain runs (environment, shared files and profiles, web identity/IRSA, container and instance
 * metadata): https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-credentials-node.html
 */
import type { Config } from '../../src/config/index.js';
import { envNameOf } from '../../src/config/env-names.js';
import { ConfigError } from '../../src/errors.js';

export type RdsVariant = 'rds' | 'aurora';

export interface RdsSettings {
  variant: RdsVariant;
  /** The YAML section, for messages. */
  section: 'rds' | 'rds-aurora';
  region: string;
  instanceId: string;
  /** Static keys, or undefined for the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** `rds.AWS_REGION (env: DBT_AWS_REGION)`: how messages name a key. */
export function keyName(section: RdsSettings['section'], key: string): string {
  const path = `${section}.${key}`;
  const env = envNameOf(path);
  return env ? `${path} (env: ${env})` : path;
}

export function rdsSettings(config: Config, variant: RdsVariant): RdsSettings {
  const section = variant === 'aurora' ? 'rds-aurora' : 'rds';
  const s = config[section];
  const flag = `--${variant}`;
  const problems: string[] = [];
  const region = s.AWS_REGION.trim();
  const instanceId = s.RDS_DATABASE_IDENTIFIER.trim();
  if (!region) problems.push(`${keyName(section, 'AWS_REGION')}: required for ${flag}`);
  if (!instanceId) problems.push(`${keyName(section, 'RDS_DATABASE_IDENTIFIER')}: required for ${flag}`);
  const accessKeyId = s.AWS_ACCESS_KEY_ID.trim();
  const secretAccessKey = s.AWS_SECRET_ACCESS_KEY.trim();
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    const missing = accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID';
    problems.push(
      `${keyName(section, missing)}: required when ${accessKeyId ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is set ` +
        '(give both, or neither to use the default credential chain)',
    );
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    variant,
    section,
    region,
    instanceId,
    credentials: accessKeyId ? { accessKeyId, secretAccessKey } : undefined,
  };
}
