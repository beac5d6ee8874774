/**
 * Structural validation of Kubernetes objects against the OpenAPI-generated models of
 * @kubernetes/client-node (each model lists its fields and their types): an unknown field, a
 * wrong type or an unknown kind is an error, as `kubectl apply --validate=strict` would report.
 */
import * as k8s from '@kubernetes/client-node';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
}
interface Model {
  getAttributeTypeMap(): Attribute[];
}

const models = k8s as unknown as Record<string, Model | undefined>;

function check(value: unknown, type: string, at: string, problems: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) problems.push(`${at}: expected a list`);
    else value.forEach((v, i) => check(v, array[1]!, `${at}[${i}]`, problems));
  } else if (map) {
    if (typeof value !== 'object' || Array.isArray(value)) problems.push(`${at}: expected a map`);
    else for (const [k, v] of Object.entries(value)) check(v, map[1]!, `${at}.${k}`, problems);
  } else if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') problems.push(`${at}: expected a string, got ${JSON.stringify(value)}`);
  } else if (type === 'number') {
    if (typeof value !== 'number') problems.push(`${at}: expected a number, got ${JSON.stringify(value)}`);
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') problems.push(`${at}: expected a boolean, got ${JSON.stringify(value)}`);
  } else if (type === 'IntOrString') {
    if (typeof value !== 'string' && typeof value !== 'number')
      problems.push(`${at}: expected int or string`);
  } else if (type === 'any' || type === 'object') {
    // free-form
  } else {
    const model = models[type];
    if (!model) {
      problems.push(`${at}: no model ${type}`);
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${at}: expected an object (${type})`);
      return;
    }
    const attrs = model.getAttributeTypeMap();
    for (const [k, v] of Object.entries(value)) {
      const attr = attrs.find((a) => a.baseName === k);
      if (!attr) problems.push(`${at}.${k}: unknown field of ${type}`);
      else check(v, attr.type, `${at}.${k}`, problems);
    }
  }
}

/** Problems with one object (empty when valid): kind/apiVersion known, fields and types, a name. */
export function validateObject(obj: Record<string, unknown>): string[] {
  const kind = obj.kind as string | undefined;
  const apiVersion = obj.apiVersion as string | undefined;
  const where = `${kind ?? '?'}/${(obj.metadata as { name?: string } | undefined)?.name ?? '?'}`;
  if (!kind || !apiVersion) return [`${where}: apiVersion and kind are required`];
  const version = apiVersion.split('/').pop()!;
  const type = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  if (!models[type]) return [`${where}: unknown kind ${apiVersion} ${kind}`];
  const problems: string[] = [];
  check(obj, type, where, problems);
  if (!(obj.metadata as { name?: string } | undefined)?.name)
    problems.push(`${where}: metadata.name is required`);
  return problems;
}
