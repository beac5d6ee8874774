/**
 * Code cites documents inside the repository (docs/…, README files) or public URLs, never notes
 * that live outside it; and every `docs/<NAME>.md §N` or `docs/<NAME>.md "Heading"` citation
 * names a document and a section that exist.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', '.git', 'coverage', 'golden', 'results']);
const self = fileURLToPath(import.meta.url);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|js|mjs)$/.test(name) || (/\.md$/.test(name) && !p.startsWith(path.join(root, 'docs'))))
      out.push(p);
  }
  return out;
}

const files = walk(root).filter((f) => f !== self);

/** References to notes outside the repository (after URLs are removed from the line). */
const OUTSIDE: [RegExp, string][] = [
  [/\bfacts §/, 'the Go agent fact sheet (cite docs/PROTOCOL.md or docs/ADAPTERS.md)'],
  [/\.\.\/shared\b|\/work\/shared\b/, 'the shared notes folder'],
  [/\breference\//, 'the reference notes'],
  [/\b(?:dbtune-agent-facts|tuning-facts|go-json-vectors|peer-survey|dev-guide)\b/, 'a reference note'],
  [/\bdependencies(?:\.md| §)/, 'the dependency notes'],
  [/(?<![\w/.-])(?:ARCHITECTURE|STYLE)\.md/, 'the design notes (cite docs/ARCHITECTURE.md or docs/STYLE.md)'],
];

const URL_RE = /\bhttps?:\/\/\S+/g;

describe('citations', () => {
  it('no file cites a document outside the repository', () => {
    const found: string[] = [];
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const text = line.replace(URL_RE, '');
        for (const [re, what] of OUTSIDE)
          if (re.test(text)) found.push(`${path.relative(root, file)}:${i + 1}: ${what}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('every docs/… citation names an existing document and section', () => {
    const docs = new Map<string, string>();
    const doc = (name: string) => {
      if (!docs.has(name)) {
        try {
          docs.set(name, readFileSync(path.join(root, 'docs', `${name}.md`), 'utf8'));
        } catch {
          docs.set(name, '');
        }
      }
      return docs.get(name)!;
    };
    const problems: string[] = [];
    const CITE =
      /docs\/([A-Za-z-]+)\.md((?:(?:,\s*|\s+)§\d+(?:\.\d+)*(?:\s*[–-]\s*§\d+(?:\.\d+)*)?)*)(\s+"[^"]+")?/g;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(CITE)) {
        const where = `${path.relative(root, file)}: ${m[0]}`;
        const body = doc(m[1]!);
        if (!body) {
          problems.push(`${where}: no docs/${m[1]!}.md`);
          continue;
        }
        for (const sec of m[2]!.match(/\d+(?:\.\d+)*/g) ?? []) {
          const escaped = sec.replace(/\./g, '\\.');
          if (!new RegExp(`^#+ ${escaped}(?:\\.|\\s)`, 'm').test(body))
            problems.push(`${where}: no section ${sec}`);
        }
        const heading = m[3]?.trim().slice(1, -1);
        if (heading && !body.includes(heading)) problems.push(`${where}: no "${heading}"`);
      }
    }
    expect(problems).toEqual([]);
  });
});
