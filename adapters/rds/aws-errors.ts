/**
 * SDK errors as the agent reports them: the step (`rds:ModifyDBParameterGroup`), the AWS error
 * code and message, and for a denied call the IAM action to grant. At startup, the errors that
 * mean "the configuration is wrong" become ConfigErrors naming the key (exit 2).
 * Error codes: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html
 */
import { ConfigError, errorMessage } from '../../src/errors.js';
import { keyName, type RdsSettings } from './config.js';

const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'NotAuthorizedException',
  'AuthorizationError',
]);
const BAD_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'AuthFailure',
  'ExpiredToken',
  'ExpiredTokenException',
]);
const NOT_FOUND = new Set(['DBInstanceNotFound', 'DBInstanceNotFoundFault']);

/** A failed AWS call: `code` is the AWS error code (or the SDK's error name). */
export class AwsCallError extends Error {
  constructor(
    readonly iamAction: string,
    readonly code: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AwsCallError';
  }

  get denied(): boolean {
    return DENIED.has(this.code);
  }
}

function isCredentialsMissing(err: unknown): boolean {
  return err instanceof Error && err.name === 'CredentialsProviderError';
}

export function awsCallError(iamAction: string, err: unknown): Error {
  if (err instanceof AwsCallError) return err;
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | null;
  const code = e?.Code ?? e?.name ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const [service, action] = iamAction.split(':');
  const step = `${service}: ${action}`;
  const text = errorMessage(err);
  if (err instanceof Error && err.name === 'AbortError') return err;
  let message = `${step}: ${code}: ${text}`;
  if (DENIED.has(code)) {
    message = `${step}: access denied: the agent's IAM identity needs ${iamAction} (see the IAM policy in adapters/rds/README.md): ${text}`;
  } else if (isCredentialsMissing(err)) {
    message = `${step}: no AWS credentials found: ${text}`;
  }
  return new AwsCallError(
    iamAction,
    isCredentialsMissing(err) ? 'CredentialsProviderError' : code,
    status,
    message,
    {
      cause: err,
    },
  );
}

/** Startup: configuration mistakes become ConfigErrors naming the key; the rest stays a runtime error. */
export function startupError(err: unknown, s: RdsSettings): Error {
  if (!(err instanceof AwsCallError)) return err instanceof Error ? err : new Error(String(err));
  const keys = `${keyName(s.section, 'AWS_ACCESS_KEY_ID')} and ${keyName(s.section, 'AWS_SECRET_ACCESS_KEY')}`;
  if (NOT_FOUND.has(err.code)) {
    return new ConfigError([
      `${keyName(s.section, 'RDS_DATABASE_IDENTIFIER')}: no DB instance "${s.instanceId}" in region ${s.region}`,
    ]);
  }
  if (err.code === 'CredentialsProviderError') {
    return new ConfigError([
      `${keys}: no AWS credentials: set both, or give the SDK credentials through its default chain ` +
        '(AWS_PROFILE and shared files, web identity, container or instance role)',
    ]);
  }
  if (BAD_CREDENTIALS.has(err.code)) {
    return new ConfigError([`${keys}: AWS rejected the credentials (${err.code}) for region ${s.region}`]);
  }
  return err;
}
