import { OsirisError } from '../core/errors.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  '"': '"',
  '\\': '\\',
  $: '$',
};

/**
 * Parse a `.env` file: `KEY=value` lines, optional `export ` prefix, `#` comments, blank lines.
 * Values: unquoted (trimmed, ` #` starts a comment), 'single' (literal) or "double" (\n \t \" \\ escapes,
 * may span lines). No `${VAR}` expansion inside .env. A line that is not an assignment is an error
 * (naming the line, never its text, which may hold a secret).
 */
export function parseDotenv(text: string, file = '.env'): Record<string, string> {
  const vars: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const lineNo = i + 1;
    // Only the start is trimmed: trailing spaces inside a multi-line quoted value are part of it.
    const line = (lines[i] as string).trimStart();
    if (line.trim() === '' || line.startsWith('#')) continue;
    const body = line.startsWith('export ') ? line.slice('export '.length).trimStart() : line;
    const eq = body.indexOf('=');
    const key = eq < 0 ? '' : body.slice(0, eq).trim();
    if (!KEY.test(key)) {
      throw new OsirisError('config_error', 'expected KEY=value (KEY of letters, digits and _)', {
        where: `${file}:${lineNo}:1`,
      });
    }
    let rest = body.slice(eq + 1).trimStart();
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      // A quoted value may continue over the following lines up to its closing quote.
      let consumed = i;
      let closing = findClosingQuote(rest, quote);
      while (closing < 0 && consumed + 1 < lines.length) {
        consumed += 1;
        rest += `\n${lines[consumed] as string}`;
        closing = findClosingQuote(rest, quote);
      }
      if (closing < 0) {
        throw new OsirisError('config_error', `the value of ${key} has no closing ${quote}`, {
          where: `${file}:${lineNo}:${line.indexOf('=') + 2}`,
        });
      }
      const inner = rest.slice(1, closing);
      vars[key] = quote === '"' ? unescapeDoubleQuoted(inner) : inner;
      i = consumed;
      continue;
    }
    const comment = rest.search(/\s#/);
    vars[key] = (comment < 0 ? rest : rest.slice(0, comment)).trim();
  }
  return vars;
}

function findClosingQuote(text: string, quote: string): number {
  for (let j = 1; j < text.length; j += 1) {
    if (quote === '"' && text[j] === '\\') {
      j += 1;
      continue;
    }
    if (text[j] === quote) return j;
  }
  return -1;
}

function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\(.)/g, (all, ch: string) => DOUBLE_QUOTE_ESCAPES[ch] ?? all);
}
