/** The agent's version, from package.json. */
import { packageJson } from '../package-json.js';

export const AGENT_VERSION: string = packageJson().version;

export function versionLine(): string {
  return `dbtune-agent ${AGENT_VERSION} (node ${process.version})`;
}
