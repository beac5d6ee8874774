/**
 * Parameter groups of the simulation. A group's catalogue is built from a real server's
 * `pg_settings`, as an RDS engine family lists the server's parameters: DataType, AllowedValues
 * (ranges `min-max`, lists `a,b`, booleans `0,1`), ApplyType (`static` for postmaster context,
 * `dynamic` otherwise) and IsModifiable. Shapes follow
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Parameter.html
 */
import type { PgCluster } from '../postgres.js';
import { SimAwsError } from './wire.js';

export type ApplyType = 'static' | 'dynamic';
export type ApplyMethod = 'immediate' | 'pending-reboot';

export interface SimParameter {
  ParameterName: string;
  /** Unset: the engine default (the server's own postgresql.conf). `{…}`: an RDS formula. */
  ParameterValue?: string;
  Description: string;
  Source: 'engine-default' | 'system' | 'user';
  ApplyType: ApplyType;
  DataType: 'boolean' | 'integer' | 'float' | 'string' | 'list';
  AllowedValues?: string;
  IsModifiable: boolean;
  /** pg_settings.vartype, to turn a group value into a server value. */
  vartype: string;
}

export interface SimGroup {
  name: string;
  family: string;
  kind: 'instance' | 'cluster';
  params: Map<string, SimParameter>;
}

/** Parameters an RDS family never lists (the service owns them). */
const NOT_LISTED = new Set([
  'config_file',
  'data_directory',
  'hba_file',
  'ident_file',
  'external_pid_file',
  'unix_socket_directories',
  'unix_socket_group',
  'unix_socket_permissions',
  'listen_addresses',
  'port',
]);

const DATA_TYPE: Record<string, SimParameter['DataType']> = {
  bool: 'boolean',
  integer: 'integer',
  real: 'float',
  string: 'string',
  enum: 'list',
};

interface SettingRow {
  name: string;
  vartype: string;
  context: string;
  short_desc: string;
  min_val: string | null;
  max_val: string | null;
  enumvals: string | null;
}

export async function catalogueFrom(pg: PgCluster): Promise<SimParameter[]> {
  const rows = (await pg.sql(
    `SELECT name, vartype, context, short_desc, min_val, max_val, array_to_string(enumvals, ',') AS enumvals
       FROM pg_settings WHERE context <> 'internal' ORDER BY name`,
  )) as unknown as SettingRow[];
  return rows
    .filter((r) => !NOT_LISTED.has(r.name))
    .map((r) => ({
      ParameterName: r.name,
      Description: r.short_desc,
      Source: 'engine-default',
      ApplyType: r.context === 'postmaster' ? 'static' : 'dynamic',
      DataType: DATA_TYPE[r.vartype] ?? 'string',
      AllowedValues:
        r.vartype === 'bool'
          ? '0,1'
          : r.vartype === 'enum'
            ? (r.enumvals ?? undefined)
            : r.min_val !== null && r.max_val !== null
              ? `${r.min_val}-${r.max_val}`
              : undefined,
      IsModifiable: true,
      vartype: r.vartype,
    }));
}

function inRanges(value: number, allowed: string): boolean {
  return allowed.split(',').some((range) => {
    const m = /^(-?[\d.]+(?:e[+-]?\d+)?)-(-?[\d.]+(?:e[+-]?\d+)?)$/i.exec(range.trim());
    return m ? value >= Number(m[1]) && value <= Number(m[2]) : Number(range) === value;
  });
}

/** The service's own validation of one value (InvalidParameterValue on failure). */
export function checkValue(p: SimParameter, value: string): void {
  if (/^\{.*\}$/.test(value)) return; // a formula, evaluated by the service
  const bad = () =>
    new SimAwsError(
      'InvalidParameterValue',
      `Value: ${value} is outside of range: ${p.AllowedValues ?? ''} for parameter: ${p.ParameterName}`,
    );
  if (!p.AllowedValues) return;
  if (p.DataType === 'integer' || p.DataType === 'float') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (p.DataType === 'integer' && !Number.isInteger(n)))
      throw bad();
    if (!inRanges(n, p.AllowedValues)) throw bad();
    return;
  }
  if (p.DataType === 'boolean' || p.DataType === 'list') {
    if (!p.AllowedValues.split(',').includes(value)) throw bad();
  }
}

/**
 * The server value an instance should run with for a group value: booleans `1`/`0` are `on`/`off`;
 * null (no value, or a formula the simulation does not evaluate) means the server's own default.
 */
export function serverValue(p: SimParameter | undefined): string | null {
  const v = p?.ParameterValue;
  if (v === undefined || /^\{.*\}$/.test(v)) return null;
  if (p?.vartype === 'bool') return v === '1' ? 'on' : v === '0' ? 'off' : v;
  return v;
}
