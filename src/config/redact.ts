/**
 * `dbtune-agent config`: the effective configuration as plain JSON with every secret replaced by
 * [REDACTED] (URLs keep everything but their password), the source of each value, and the file.
 */
import { REDACTED, redactUrl, SECRET_PATHS, URL_PATHS } from './secrets.js';
import type { LoadResult, Source } from './types.js';

export interface RedactedView {
  readonly file: string | null;
  readonly config: Record<string, unknown>;
  readonly sources: Record<string, Source>;
  readonly warnings: string[];
}

function redact(value: unknown, dotPath: string): unknown {
  if (Array.isArray(value)) return value.map((v) => redact(v, dotPath));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redact(v, dotPath ? `${dotPath}.${k}` : k)]),
    );
  }
  if (typeof value !== 'string' || value === '') return value;
  if (SECRET_PATHS.has(dotPath)) return REDACTED;
  if (URL_PATHS.has(dotPath)) return redactUrl(value);
  return value;
}

export function redactedView(result: LoadResult): RedactedView {
  return {
    file: result.file,
    config: redact(result.config, '') as Record<string, unknown>,
    sources: { ...result.sources },
    warnings: [...result.warnings],
  };
}
