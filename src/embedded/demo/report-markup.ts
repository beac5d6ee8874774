/**
 * HTML built by a tagged template (named `markup`, not `html`: prettier would reformat an `html`
 * template as a document) that escapes every interpolated value, so no text from a session
 * (knob values, reasons, labels of registered objectives) can reach report.html unescaped:
 *
 *   markup`<td>${name}</td>`          → name escaped
 *   markup`<tr>${rows}</tr>`          → an array of Markup joined, each kept as markup
 *
 * Only `Markup` values pass through as markup: built by `markup`, or `new Markup(text)` for a
 * constant of the code (the page's CSS), never for data. Escaping as in
 * https://html.spec.whatwg.org/multipage/syntax.html#escapingString, with numeric references for all
 * five characters so one function serves text and attribute values.
 */

export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What a template may interpolate: text and numbers (escaped), markup, lists of them, or nothing. */
export type Part = Markup | string | number | false | null | undefined | readonly Part[];

function piece(value: Part): string {
  if (value instanceof Markup) return value.text;
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') return String(value);
  if (value === null || value === undefined || value === false) return '';
  return value.map(piece).join('');
}

export function markup(strings: TemplateStringsArray, ...values: Part[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += piece(v) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}
