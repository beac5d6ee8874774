/**
 * A renderer for the subset of Helm's Go templates that deploy/helm/dbtune-agent uses, so the
 * chart's tests render it for real without the helm binary (neither Debian nor npm packages it).
 * Anything outside the subset throws, so a template that drifts from it fails the tests instead of
 * rendering differently from helm.
 *
 * Supported (https://pkg.go.dev/text/template, https://helm.sh/docs/chart_template_guide/):
 * `{{- … -}}` whitespace trimming; `if` / `else` / `end`; `define` / `include`; pipelines with `|`;
 * `.Values.*`, `.Release.*`, `.Chart.*`; string, number and boolean literals; parentheses; the
 * functions quote, default, required, toYaml, nindent, not, and, or, eq, ne.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; expr: string }
  | { kind: 'if'; cond: string; then: Node[]; else: Node[] };

interface Scope {
  defines: Map<string, Node[]>;
}

const ACTION = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;

function tokenize(src: string): ({ text: string } | { action: string })[] {
  const out: ({ text: string } | { action: string })[] = [];
  let last = 0;
  for (const m of src.matchAll(ACTION)) {
    let text = src.slice(last, m.index);
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    out.push({ text });
    out.push({ action: m[2]! });
    last = m.index + m[0].length;
    if (m[3] === '-') while (last < src.length && /\s/.test(src[last]!)) last++;
  }
  out.push({ text: src.slice(last) });
  return out;
}

/** Parse into nodes; `define` blocks go into scope.defines. */
function parse(src: string, scope: Scope, file: string): Node[] {
  const tokens = tokenize(src);
  let i = 0;
  const block = (until: readonly string[]): [Node[], string] => {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const t = tokens[i++]!;
      if ('text' in t) {
        if (t.text) nodes.push({ kind: 'text', text: t.text });
        continue;
      }
      const a = t.action;
      if (a.startsWith('/*')) continue;
      if (until.includes(a)) return [nodes, a];
      if (a.startsWith('if ')) {
        const [then, end] = block(['else', 'end']);
        const [otherwise] = end === 'else' ? block(['end']) : [[]];
        nodes.push({ kind: 'if', cond: a.slice(3), then, else: otherwise });
      } else if (a.startsWith('define ')) {
        const name = JSON.parse(a.slice(7).trim()) as string;
        scope.defines.set(name, block(['end'])[0]);
      } else if (/^(else|end|range|with|template|block)\b/.test(a)) {
        throw new Error(`${file}: unsupported or misplaced action {{ ${a} }}`);
      } else nodes.push({ kind: 'action', expr: a });
    }
    if (until.length) throw new Error(`${file}: missing {{ end }}`);
    return [nodes, ''];
  };
  return block([])[0];
}

/** Split on `sep` outside quotes and parentheses. */
function split(expr: string, sep: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quoted) {
      cur += c;
      if (c === '\\') cur += expr[++i] ?? '';
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
      cur += c;
    } else if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      cur += c;
    } else if (depth === 0 && sep.test(c)) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

function indent(n: number, s: string): string {
  return s
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');
}

function evaluate(expr: string, dot: unknown, scope: Scope): unknown {
  let piped: unknown[] = [];
  for (const cmd of split(expr, /\|/)) piped = [command(cmd, dot, scope, piped)];
  return piped[0];
}

function operand(tok: string, dot: unknown, scope: Scope): unknown {
  if (tok.startsWith('(')) return evaluate(tok.slice(1, -1), dot, scope);
  if (tok.startsWith('"')) return JSON.parse(tok) as string;
  if (/^-?\d+$/.test(tok)) return Number(tok);
  if (tok === 'true' || tok === 'false') return tok === 'true';
  if (tok === '.') return dot;
  if (tok.startsWith('.')) {
    let v: unknown = dot;
    for (const key of tok.slice(1).split('.')) v = (v as Record<string, unknown> | undefined)?.[key];
    return v;
  }
  throw new Error(`helm-template: unsupported operand ${tok}`);
}

function command(cmd: string, dot: unknown, scope: Scope, piped: unknown[]): unknown {
  const [head, ...rest] = split(cmd, /\s/);
  if (!/^[a-zA-Z]/.test(head!)) {
    if (rest.length || piped.length) throw new Error(`helm-template: cannot apply ${head}`);
    return operand(head!, dot, scope);
  }
  const args = [...rest.map((t) => operand(t, dot, scope)), ...piped];
  switch (head) {
    case 'include': {
      const body = scope.defines.get(args[0] as string);
      if (!body) throw new Error(`helm-template: no template ${String(args[0])}`);
      return renderNodes(body, args[1], scope);
    }
    case 'quote':
      return JSON.stringify(str(args[0]));
    case 'default':
      return truthy(args[1]) ? args[1] : args[0];
    case 'required':
      if (!truthy(args[1])) throw new Error(`execution error: ${String(args[0])}`);
      return args[1];
    case 'toYaml':
      return YAML.stringify(args[0] ?? null).trimEnd();
    case 'nindent':
      return `\n${indent(args[0] as number, str(args[1]))}`;
    case 'not':
      return !truthy(args[0]);
    case 'and':
      return args.every(truthy);
    case 'or':
      return args.some(truthy);
    case 'eq':
      return args[0] === args[1];
    case 'ne':
      return args[0] !== args[1];
    default:
      throw new Error(`helm-template: unsupported function ${head}`);
  }
}

function renderNodes(nodes: Node[], dot: unknown, scope: Scope): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'if')
      out += renderNodes(truthy(evaluate(n.cond, dot, scope)) ? n.then : n.else, dot, scope);
    else {
      out += str(evaluate(n.expr, dot, scope));
    }
  }
  return out;
}

/** Go's print of a scalar; a map or list in a scalar position is a template bug here. */
function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') throw new Error('helm-template: a map or list where a scalar is expected');
  return typeof v === 'number' || typeof v === 'boolean' ? `${v}` : `${v as string}`;
}

function merge(base: unknown, over: unknown): unknown {
  if (base && over && typeof base === 'object' && typeof over === 'object' && !Array.isArray(over)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
    return out;
  }
  return over === undefined ? base : over;
}

export interface Rendered {
  /** template file name → rendered text */
  files: Map<string, string>;
  /** every non-empty YAML document, in file order */
  objects: Record<string, unknown>[];
}

/** `helm template <release> <chartDir> --namespace <ns> -f overrides` for the supported subset. */
export function renderChart(
  chartDir: string,
  opts: { release?: string; namespace?: string; service?: string; values?: Record<string, unknown> } = {},
): Rendered {
  const chart = YAML.parse(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  const defaults = YAML.parse(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) as unknown;
  const dot = {
    Values: merge(defaults, opts.values ?? {}),
    Release: {
      Name: opts.release ?? 'dbtune',
      Namespace: opts.namespace ?? 'default',
      Service: opts.service ?? 'Helm',
    },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const scope: Scope = { defines: new Map() };
  const dir = path.join(chartDir, 'templates');
  const names = readdirSync(dir).sort();
  const parsed = names.map((f) => [f, parse(readFileSync(path.join(dir, f), 'utf8'), scope, f)] as const);
  const files = new Map<string, string>();
  const objects: Record<string, unknown>[] = [];
  for (const [f, nodes] of parsed) {
    if (f.startsWith('_') || !f.endsWith('.yaml')) continue;
    const text = renderNodes(nodes, dot, scope);
    files.set(f, text);
    for (const doc of YAML.parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`${f}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const obj = doc.toJS() as unknown;
      if (obj !== null && obj !== undefined) objects.push(obj as Record<string, unknown>);
    }
  }
  return { files, objects };
}
