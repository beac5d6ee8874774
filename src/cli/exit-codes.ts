/** Exit codes, everywhere: 0 ok, 1 runtime failure, 2 usage or configuration error. */
import { ConfigError } from '../errors.js';
import { UsageError } from './usage-error.js';

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(err: unknown): number {
  if (err instanceof ConfigError || err instanceof UsageError) return EXIT_USAGE;
  const code = (err as { code?: unknown } | null)?.code;
  // commander's own usage errors
  if (typeof code === 'string' && code.startsWith('commander.')) return EXIT_USAGE;
  return EXIT_RUNTIME;
}
