/**
 * ALTER SYSTEM statements, quoted. https://www.postgresql.org/docs/current/sql-altersystem.html
 *
 * ALTER SYSTEM takes no bind parameters, so the statement is built as text: the name as a quoted
 * identifier (each dotted part separately), the value as a quoted literal. Values were validated
 * before (no quotes, backslashes, semicolons or control characters); this is defence in depth and
 * refuses the same characters again rather than trusting the caller.
 */
import { ConfigApplyError } from '../errors.js';
import { forbiddenCharacter } from './value.js';

const NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

export function quoteIdent(name: string): string {
  if (!NAME.test(name))
    throw new ConfigApplyError(`apply: sql: invalid parameter name ${JSON.stringify(name)}`);
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}

export function quoteLiteral(value: string): string {
  const bad = forbiddenCharacter(value);
  if (bad) throw new ConfigApplyError(`apply: sql: value ${bad}`);
  return `'${value.replace(/'/g, "''")}'`;
}

export function alterSystemSet(name: string, value: string): string {
  return `ALTER SYSTEM SET ${quoteIdent(name)} = ${quoteLiteral(value)}`;
}

export function alterSystemReset(name: string): string {
  return `ALTER SYSTEM RESET ${quoteIdent(name)}`;
}
