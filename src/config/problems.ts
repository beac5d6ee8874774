/**
 * Every problem is collected and reported at once, each as `dot.path: message (env: DBT_NAME)`,
 * so one run of `dbtune-agent config` shows everything to fix.
 */
import { envNameOf } from './env-names.js';

export class Problems {
  readonly list: string[] = [];

  /** `env` defaults to the key's primary env var; pass null for problems no env var can fix. */
  add(path: string, message: string, env?: string | null): void {
    const name = env === undefined ? envNameOf(path) : env;
    // Messages never quote the value of a secret key (see coerce.ts, file.ts); tests check it.
    this.list.push(`${path}: ${message}${name ? ` (env: ${name})` : ''}`);
  }

  /** Whether a problem about this key was reported already (follow-on checks stay quiet). */
  has(path: string): boolean {
    return this.list.some((p) => p.startsWith(`${path}: `));
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const left = prev[j - 1] ?? 0;
      prev[j] = Math.min(up + 1, left + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** ` (did you mean "x"?)` for the closest candidate within a third of its length, else ''. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(needle, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined || bestDistance > Math.max(2, Math.floor(best.length / 3))) return '';
  return ` (did you mean "${best}"?)`;
}

interface IssueLike {
  code?: string;
  message: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  expected?: string;
  values?: readonly unknown[];
}

/** Plain-language text for a zod issue ("must be at most 100" rather than "Too big: …"). */
export function issueMessage(issue: IssueLike): string {
  switch (issue.code) {
    case 'too_big':
      if (issue.maximum !== undefined) {
        return issue.inclusive === false
          ? `must be below ${issue.maximum}`
          : `must be at most ${issue.maximum}`;
      }
      break;
    case 'too_small':
      if (issue.minimum !== undefined) {
        return issue.inclusive === false
          ? `must be above ${issue.minimum}`
          : `must be at least ${issue.minimum}`;
      }
      break;
    case 'invalid_value':
      if (issue.values?.length)
        return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'invalid_type':
      if (issue.expected)
        return `must be ${issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`}`;
      break;
  }
  return issue.message;
}
