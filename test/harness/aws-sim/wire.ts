/**
 * The AWS wire protocols the simulation serves, reduced to what the agent's clients send and parse:
 * - query (RDS, API 2014-10-31) and EC2 query (API 2016-11-15): form-encoded `Action=…` requests,
 *   XML replies; https://smithy.io/2.0/aws/protocols/aws-query-protocol.html and
 *   https://smithy.io/2.0/aws/protocols/aws-ec2-query-protocol.html
 * - JSON 1.0 (CloudWatch) and JSON 1.1 (Performance Insights): `x-amz-target: <Service>.<Action>`;
 *   https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html
 */
import type http from 'node:http';

export type Protocol = 'query' | 'ec2' | 'json1.0' | 'json1.1';

export interface AwsErrorSpec {
  code: string;
  message: string;
  status: number;
}

/** An error the handlers throw; the server renders it in the request's protocol. */
export class SimAwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export type FormParams = Record<string, string>;

export function parseForm(body: string): FormParams {
  return Object.fromEntries(new URLSearchParams(body));
}

/**
 * A serialized list of structures (`Parameters.Parameter.1.ParameterName=…`) back to objects,
 * whatever the member name (`member`, `Parameter`, …).
 */
export function formList(params: FormParams, prefix: string): Record<string, string>[] {
  const items = new Map<number, Record<string, string>>();
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(?:[A-Za-z]+\\.)?(\\d+)(?:\\.(\\w+))?$`);
  for (const [k, v] of Object.entries(params)) {
    const m = re.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    const item = items.get(i) ?? {};
    item[m[2] ?? ''] = v;
    items.set(i, item);
  }
  return [...items.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A value in XML: scalars become text, arrays `<member>` lists, objects nested elements. */
export type XmlValue = string | number | boolean | null | undefined | XmlList | { [k: string]: XmlValue };
export interface XmlList {
  readonly member: string;
  readonly items: readonly XmlValue[];
}

export const list = (member: string, items: readonly XmlValue[]): XmlList => ({ member, items });

function isList(v: XmlValue): v is XmlList {
  return typeof v === 'object' && v !== null && 'member' in v && 'items' in v;
}

export function xml(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (isList(value)) return `<${name}>${value.items.map((i) => xml(value.member, i)).join('')}</${name}>`;
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => xml(k, v))
      .join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

const NS: Record<'query' | 'ec2', string> = {
  query: 'http://rds.amazonaws.com/doc/2014-10-31/',
  ec2: 'http://ec2.amazonaws.com/doc/2016-11-15/',
};

export function reply(
  res: http.ServerResponse,
  protocol: Protocol,
  action: string,
  body: Record<string, unknown>,
  requestId: string,
): void {
  // Query handlers build XmlValue trees; JSON handlers plain objects.
  const result = body as Record<string, XmlValue>;
  if (protocol === 'query') {
    const body =
      `<${action}Response xmlns="${NS.query}">${xml(`${action}Result`, result)}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }).end(body);
    return;
  }
  if (protocol === 'ec2') {
    const inner = Object.entries(result)
      .map(([k, v]) => xml(k, v))
      .join('');
    const body = `<${action}Response xmlns="${NS.ec2}"><requestId>${requestId}</requestId>${inner}</${action}Response>`;
    res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' }).end(body);
    return;
  }
  res
    .writeHead(200, {
      'content-type': `application/x-amz-${protocol === 'json1.0' ? 'json-1.0' : 'json-1.1'}`,
      'x-amzn-requestid': requestId,
    })
    .end(JSON.stringify(body));
}

export function replyError(
  res: http.ServerResponse,
  protocol: Protocol,
  err: AwsErrorSpec,
  requestId: string,
): void {
  if (protocol === 'query') {
    const body =
      `<ErrorResponse xmlns="${NS.query}"><Error><Type>${err.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
      `<Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`;
    res.writeHead(err.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }).end(body);
    return;
  }
  if (protocol === 'ec2') {
    const body =
      `<Response><Errors><Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message>` +
      `</Error></Errors><RequestID>${requestId}</RequestID></Response>`;
    res.writeHead(err.status, { 'content-type': 'text/xml;charset=UTF-8' }).end(body);
    return;
  }
  // CloudWatch is awsQueryCompatible: its error code travels in x-amzn-query-error as well.
  res
    .writeHead(err.status, {
      'content-type': `application/x-amz-${protocol === 'json1.0' ? 'json-1.0' : 'json-1.1'}`,
      'x-amzn-requestid': requestId,
      ...(protocol === 'json1.0' ? { 'x-amzn-query-error': `${err.code};Sender` } : {}),
    })
    .end(JSON.stringify({ __type: err.code, message: err.message }));
}

/** Epoch seconds, as JSON protocols carry timestamps. */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
