/**
 * Adapter sections (docs/PROTOCOL.md §6.3), with the Go agent's exact YAML keys. Required-ness depends on
 * which adapter runs, so it is checked by the adapter at creation, not here: every key defaults
 * to empty and a section may be absent.
 */
import { z } from 'zod';

const text = (description: string) => z.string().default('').describe(description);

/** An optional API base URL override ('' = the provider's public endpoint). */
const baseUrl = (description: string) =>
  z
    .string()
    .refine((v) => v === '' || /^https?:\/\/[^/]/i.test(v), { message: 'must be an http(s) URL' })
    .default('')
    .describe(description);

const awsKeys = {
  AWS_ACCESS_KEY_ID: text(
    'AWS access key id; with AWS_SECRET_ACCESS_KEY, else the default credential chain. Secret.',
  ),
  AWS_SECRET_ACCESS_KEY: text('AWS secret access key. Secret.'),
  AWS_REGION: text('AWS region of the instance (required).'),
  RDS_DATABASE_IDENTIFIER: text('DB instance identifier (required).'),
};

const docker = z
  .strictObject({
    container_name: text('Container running PostgreSQL (required for --docker).'),
  })
  .prefault({})
  .describe('Docker adapter (--docker).');

const rds = z.strictObject(awsKeys).prefault({}).describe('Amazon RDS adapter (--rds).');

const rdsAurora = z.strictObject(awsKeys).prefault({}).describe('Amazon Aurora adapter (--aurora).');

const cloudsql = z
  .strictObject({
    project_id: text('Google Cloud project id (required).'),
    database_name: text('Cloud SQL instance name (required).'),
    api_endpoint: baseUrl(
      "Base URL replacing sqladmin.googleapis.com and monitoring.googleapis.com (private or sovereign endpoints); empty = Google's.",
    ),
  })
  .prefault({})
  .describe('Google Cloud SQL adapter (--cloudsql); credentials from Application Default Credentials.');

const aiven = z
  .strictObject({
    AIVEN_API_TOKEN: text('Aiven API token (required). Secret.'),
    AIVEN_PROJECT_NAME: text('Aiven project (required).'),
    AIVEN_SERVICE_NAME: text('Aiven service (required).'),
    metric_resolution_seconds: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe('Minimum seconds between Aiven metric fetches (its env var works here, unlike in Go).'),
    database_name: text('Database name (its env var works here, unlike in Go).'),
    api_url: baseUrl('Aiven API base URL; empty = https://api.aiven.io.'),
  })
  .prefault({})
  .describe('Aiven adapter (--aiven).');

const azureFlex = z
  .strictObject({
    subscription_id: text('Azure subscription id (required).'),
    resource_group_name: text('Resource group (required).'),
    server_name: text('Flexible server name (required).'),
    auth_method: z
      .string()
      .default('password')
      .describe('"entra" for Microsoft Entra token auth; anything else uses the URL password.'),
    arm_endpoint: z
      .string()
      .refine((v) => v === '' || /^https:\/\/[^/]/i.test(v), { message: 'must be an https URL' })
      .default('')
      .describe('Azure Resource Manager (and Azure Monitor) base URL; empty = https://management.azure.com.'),
  })
  .prefault({})
  .describe('Azure Database for PostgreSQL Flexible Server adapter (--azure-flex).');

const cnpg = z
  .strictObject({
    namespace: text('Kubernetes namespace of the cluster (required).'),
    cluster_name: text('CloudNativePG Cluster name (required).'),
    pod_name: text('Pod to watch; empty = the primary, discovered by label.'),
    container_name: z.string().default('postgres').describe('PostgreSQL container in the pod.'),
    kubeconfig_path: text('Kubeconfig; in-cluster config is tried first, then this, then ~/.kube/config.'),
  })
  .prefault({})
  .describe('CloudNativePG adapter (--cnpg).');

const patroni = z
  .strictObject({
    node_name: text('Patroni member name of this node (required).'),
    patroni_api_url: z
      .string()
      .refine((v) => v === '' || /^https?:\/\/[^/]/i.test(v), { message: 'must be an http(s) URL' })
      .default('')
      .describe('Patroni REST API URL, e.g. http://10.0.1.5:8008 (required).'),
    cluster_name: text('Patroni cluster name (informational).'),
    node_host: text('Host of this node (its env var works here, unlike in Go).'),
    node_port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(8008)
      .describe('Patroni REST port of members (its env var works here, unlike in Go).'),
    api_username: text('Basic-auth user of the Patroni REST API (restapi.authentication.username).'),
    api_password: text('Basic-auth password of the Patroni REST API. Secret.'),
    ca_file: text('PEM CA bundle to verify the REST API certificate (https); empty = the system CAs.'),
    cert_file: text('PEM client certificate for the REST API (when Patroni sets restapi.verify_client).'),
    key_file: text('PEM private key of cert_file.'),
  })
  .prefault({})
  .describe('Patroni adapter (--patroni).');

export const adapterSections = {
  docker,
  rds,
  'rds-aurora': rdsAurora,
  cloudsql,
  aiven,
  azure_flex: azureFlex,
  cnpg,
  patroni,
};
