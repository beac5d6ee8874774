/**
 * Server parameters ("configurations") of the simulated Flexible Server, backed by a real
 * PostgreSQL: the list is pg_settings, a put is ALTER SYSTEM + reload (so the value really goes live,
 * or waits for a restart), and the bookkeeping Azure shows on top (source, default, read-only,
 * pending restart) is kept here. Azure-only parameters (intelligent tuning) are plain records.
 * Shapes: https://learn.microsoft.com/en-us/rest/api/postgresql/flexibleserver/configurations/get
 */
import type { PgCluster } from '../postgres.js';

export interface ConfigurationBody {
  id: string;
  name: string;
  type: 'Microsoft.DBforPostgreSQL/flexibleServers/configurations';
  properties: {
    value: string;
    description: string;
    defaultValue: string;
    dataType: string;
    allowedValues: string;
    source: 'system-default' | 'user-override';
    isDynamicConfig: boolean;
    isReadOnly: boolean;
    isConfigPendingRestart: boolean;
    unit?: string;
    documentationLink: string;
  };
}

/** A put Azure refuses, as its HTTP status and error code. */
export class PutRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Row {
  name: string;
  setting: string;
  vartype: string;
  context: string;
  min_val: string | null;
  max_val: string | null;
  enumvals: string[] | null;
  unit: string | null;
  short_desc: string;
  pending_restart: boolean;
}

const DATA_TYPES: Record<string, string> = {
  bool: 'Boolean',
  integer: 'Integer',
  real: 'Numeric',
  enum: 'Enumeration',
  string: 'String',
};

const AZURE_ONLY: Record<string, { value: string; allowed: string; type: string }> = {
  intelligent_tuning: { value: 'off', allowed: 'on,off', type: 'Boolean' },
  'intelligent_tuning.metric_targets': {
    value: 'none',
    allowed:
      'none,Storage-checkpoint_completion_target,Storage-min_wal_size,Storage-max_wal_size,Storage-bgwriter_delay,tuning-autovacuum,all',
    type: 'Set',
  },
};

const NAME = /^[a-z_][a-z0-9_.]*$/i;

export class SimConfigurations {
  /** Parameters Azure marks read-only on top of PostgreSQL's internal ones. */
  readonly readOnly = new Set<string>(['archive_command', 'data_directory', 'ssl', 'wal_level']);
  /** Parameters the server does not offer at all. */
  readonly hidden = new Set<string>();
  private defaults = new Map<string, string>();
  /** The last value put per parameter, as Azure shows it even before a restart. */
  private readonly configured = new Map<string, string>();
  /** Parameters whose source is user-override. */
  private readonly overridden = new Set<string>();
  private readonly azureOnly = new Map(Object.entries(AZURE_ONLY).map(([k, v]) => [k, v.value]));

  constructor(
    private readonly cluster: PgCluster,
    private readonly serverId: string,
  ) {}

  /** Record the values at start as the server's system defaults. */
  async init(): Promise<void> {
    this.defaults = new Map((await this.rows()).map((r) => [r.name, r.setting]));
  }

  /** Forget every put (the test resets PostgreSQL itself) and restore Azure-only defaults. */
  clear(): void {
    this.configured.clear();
    this.overridden.clear();
    this.hidden.clear();
    for (const [k, v] of Object.entries(AZURE_ONLY)) this.azureOnly.set(k, v.value);
  }

  /** Set an Azure-only parameter directly (as if changed in the portal). */
  setAzureOnly(name: keyof typeof AZURE_ONLY, value: string): void {
    this.azureOnly.set(name, value);
  }

  async list(): Promise<ConfigurationBody[]> {
    const rows = (await this.rows()).filter((r) => !this.hidden.has(r.name));
    return [
      ...rows.map((r) => this.body(r)),
      ...[...this.azureOnly.keys()].map((n) => this.azureOnlyBody(n)),
    ];
  }

  async get(name: string): Promise<ConfigurationBody | undefined> {
    if (this.azureOnly.has(name)) return this.azureOnlyBody(name);
    if (this.hidden.has(name)) return undefined;
    const row = (await this.rows(name))[0];
    return row ? this.body(row) : undefined;
  }

  /** Azure's put: validate, write, reload; a value equal to the default returns to system-default. */
  async put(name: string, value: string): Promise<void> {
    if (this.azureOnly.has(name)) {
      const allowed = AZURE_ONLY[name]?.allowed.toLowerCase().split(',') ?? [];
      const parts = value.toLowerCase().split(',');
      if (!parts.every((p) => allowed.includes(p.trim())))
        throw new PutRefused(400, 'InvalidParameterValue', `Invalid value given for parameter ${name}.`);
      this.azureOnly.set(name, value);
      return;
    }
    const row = this.hidden.has(name) || !NAME.test(name) ? undefined : (await this.rows(name))[0];
    if (!row)
      throw new PutRefused(404, 'ConfigurationNotExists', `The configuration '${name}' does not exist.`);
    if (row.context === 'internal' || this.readOnly.has(name))
      throw new PutRefused(400, 'ReadOnlyConfiguration', `The configuration '${name}' is read-only.`);
    const toDefault = value === this.defaults.get(name);
    try {
      await this.cluster.sql(
        toDefault
          ? `ALTER SYSTEM RESET ${name}`
          : `ALTER SYSTEM SET ${name} = '${value.replace(/'/g, "''")}'`,
      );
    } catch (err) {
      throw new PutRefused(
        400,
        'InvalidParameterValue',
        `Invalid value given for parameter ${name}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    this.configured.set(name, value);
    if (toDefault) this.overridden.delete(name);
    else this.overridden.add(name);
    await this.cluster.sql('SELECT pg_reload_conf()');
    if (row.context !== 'postmaster') await this.waitLive(name, value);
  }

  private async waitLive(name: string, value: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const row = (await this.rows(name))[0];
      if (row && (row.setting === value || this.equalNumbers(row.setting, value))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private equalNumbers(a: string, b: string): boolean {
    return a !== '' && b !== '' && Number.isFinite(Number(a)) && Number(a) === Number(b);
  }

  private async rows(name?: string): Promise<Row[]> {
    const where = name ? `WHERE name = '${name.replace(/'/g, "''")}'` : '';
    return (await this.cluster.sql(
      `SELECT name, setting, vartype, context, min_val, max_val, enumvals, unit, short_desc, pending_restart
         FROM pg_settings ${where} ORDER BY name`,
    )) as unknown as Row[];
  }

  private body(r: Row): ConfigurationBody {
    const configured = this.configured.get(r.name);
    const value = configured ?? r.setting;
    const pending =
      r.pending_restart ||
      (r.context === 'postmaster' && configured !== undefined && configured !== r.setting);
    return {
      id: `${this.serverId}/configurations/${r.name}`,
      name: r.name,
      type: 'Microsoft.DBforPostgreSQL/flexibleServers/configurations',
      properties: {
        value,
        description: r.short_desc,
        defaultValue: this.defaults.get(r.name) ?? r.setting,
        dataType: DATA_TYPES[r.vartype] ?? 'String',
        allowedValues: r.enumvals
          ? r.enumvals.join(',')
          : r.min_val !== null
            ? `${r.min_val}-${r.max_val}`
            : '.*',
        source: this.overridden.has(r.name) ? 'user-override' : 'system-default',
        isDynamicConfig: r.context !== 'postmaster' && r.context !== 'internal',
        isReadOnly: r.context === 'internal' || this.readOnly.has(r.name),
        isConfigPendingRestart: pending,
        ...(r.unit ? { unit: r.unit } : {}),
        documentationLink: `https://www.postgresql.org/docs/current/runtime-config.html`,
      },
    };
  }

  private azureOnlyBody(name: string): ConfigurationBody {
    const spec = AZURE_ONLY[name]!;
    const value = this.azureOnly.get(name) ?? spec.value;
    return {
      id: `${this.serverId}/configurations/${name}`,
      name,
      type: 'Microsoft.DBforPostgreSQL/flexibleServers/configurations',
      properties: {
        value,
        description: 'Azure intelligent tuning',
        defaultValue: spec.value,
        dataType: spec.type,
        allowedValues: spec.allowed,
        source: value === spec.value ? 'system-default' : 'user-override',
        isDynamicConfig: true,
        isReadOnly: false,
        isConfigPendingRestart: false,
        documentationLink:
          'https://learn.microsoft.com/en-us/azure/postgresql/flexible-server/concepts-intelligent-tuning',
      },
    };
  }
}
