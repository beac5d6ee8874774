/**
 * The adapter's settings (`patroni:` section, env DBT_PATRONI_*), checked at creation: the REST API
 * URL and this node's member name are required; basic auth needs both halves; TLS files must be
 * readable. Every problem is reported at once, naming the key and its env var.
 */
import { readFileSync } from 'node:fs';
import { envNameOf, type Config } from '../../src/config/index.js';
import { ConfigError, errorMessage } from '../../src/errors.js';

export interface PatroniTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface PatroniSettings {
  /** Base URL of this node's Patroni REST API, without a trailing slash. */
  apiUrl: string;
  /** This node's Patroni member name (`name` in patroni.yml). */
  nodeName: string;
  auth?: { username: string; password: string };
  tls: PatroniTls;
}

const key = (k: string) => `patroni.${k} (env: ${envNameOf(`patroni.${k}`)})`;

export function patroniSettings(config: Config): PatroniSettings {
  const p = config.patroni;
  const problems: string[] = [];
  const apiUrl = p.patroni_api_url.trim().replace(/\/+$/, '');
  const nodeName = p.node_name.trim();
  if (!apiUrl) problems.push(`${key('patroni_api_url')}: required for --patroni`);
  if (!nodeName) problems.push(`${key('node_name')}: required for --patroni`);
  const username = p.api_username;
  const password = p.api_password;
  if (username && !password) problems.push(`${key('api_password')}: required with patroni.api_username`);
  if (password && !username) problems.push(`${key('api_username')}: required with patroni.api_password`);
  const tls: PatroniTls = {};
  const read = (name: 'ca_file' | 'cert_file' | 'key_file'): Buffer | undefined => {
    const file = p[name].trim();
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      problems.push(`${key(name)}: cannot read ${file}: ${errorMessage(err)}`);
      return undefined;
    }
  };
  tls.ca = read('ca_file');
  tls.cert = read('cert_file');
  tls.key = read('key_file');
  if (p.cert_file.trim() && !p.key_file.trim())
    problems.push(`${key('key_file')}: required with patroni.cert_file`);
  if (p.key_file.trim() && !p.cert_file.trim())
    problems.push(`${key('cert_file')}: required with patroni.key_file`);
  const usesTls = tls.ca !== undefined || tls.cert !== undefined;
  if (apiUrl && usesTls && !apiUrl.toLowerCase().startsWith('https://')) {
    problems.push(`${key('patroni_api_url')}: must be an https:// URL when ca_file or cert_file is set`);
  }
  if (problems.length) throw new ConfigError(problems);
  return { apiUrl, nodeName, auth: username ? { username, password } : undefined, tls };
}
