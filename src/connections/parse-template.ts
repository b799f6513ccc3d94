/** A piece of a field value: literal text or a `${NAME}` / `${NAME:-fallback}` reference. */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'var'; name: string; fallback: string | undefined; source: string };

/** A field value split into literal text and variable references. */
export type Template = readonly TemplatePart[];

/** Why a template could not be parsed (no text of the value: it may be a secret). */
export type TemplateProblem = 'unterminated' | 'bad_name';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Split `text` into literal parts and references. `$$` is a literal `$`; a `$` not followed by `{` or `$`
 * is kept as is, so passwords such as `pa$word` need no escaping.
 */
export function parseTemplate(text: string): Template | TemplateProblem {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch !== '$') {
      literal += ch;
      i += 1;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      literal += '$';
      i += 2;
      continue;
    }
    if (next !== '{') {
      literal += '$';
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) return 'unterminated';
    const body = text.slice(i + 2, close);
    const sep = body.indexOf(':-');
    const name = sep < 0 ? body : body.slice(0, sep);
    if (!NAME.test(name)) return 'bad_name';
    if (literal) parts.push({ kind: 'text', text: literal });
    literal = '';
    parts.push({
      kind: 'var',
      name,
      fallback: sep < 0 ? undefined : body.slice(sep + 2),
      source: text.slice(i, close + 1),
    });
    i = close + 1;
  }
  if (literal || parts.length === 0) parts.push({ kind: 'text', text: literal });
  return parts;
}

/** Names of the variables a template reads. */
export function listTemplateVariables(template: Template): string[] {
  return template.flatMap((p) => (p.kind === 'var' ? [p.name] : []));
}

/** Value of one reference: the variable when set (and non-empty for `:-`), else the fallback. */
function lookUp(
  part: TemplatePart & { kind: 'var' },
  vars: Record<string, string | undefined>,
): string | undefined {
  const value = vars[part.name];
  if (part.fallback === undefined) return value;
  // Shell semantics: `${VAR:-x}` uses x when VAR is unset or empty.
  return value === undefined || value === '' ? part.fallback : value;
}

/** Substitute every reference; returns the first unset variable instead when one is missing. */
export function renderTemplate(
  template: Template,
  vars: Record<string, string | undefined>,
): { value: string } | { missing: string } {
  let value = '';
  for (const part of template) {
    if (part.kind === 'text') {
      value += part.text;
      continue;
    }
    const found = lookUp(part, vars);
    if (found === undefined) return { missing: part.name };
    value += found;
  }
  return { value };
}

/** Substitute what is set and keep each unset reference as its `${NAME}` text (for listings). */
export function renderTemplateLeniently(
  template: Template,
  vars: Record<string, string | undefined>,
): { value: string; missing: string[] } {
  let value = '';
  const missing: string[] = [];
  for (const part of template) {
    if (part.kind === 'text') {
      value += part.text;
      continue;
    }
    const found = lookUp(part, vars);
    if (found === undefined) missing.push(part.name);
    value += found ?? part.source;
  }
  return { value, missing };
}

/** True when the template reads no variable. */
export function isLiteralTemplate(template: Template): boolean {
  return template.every((p) => p.kind === 'text');
}
