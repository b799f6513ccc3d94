/** A problem as the `yaml` library reports it (YAMLError's code, message and offset range). */
export interface YamlProblem {
  code: string;
  message: string;
  pos: [number, number];
}

/** How a problem may be described. */
export interface DescribeOptions {
  /**
   * Whether messages may quote the file's values (default true). False for files that may hold a literal
   * secret (the connections file): messages then name keys, lines and columns only.
   */
  echoValues?: boolean;
}

/** A problem in plain words, at the offset of the line that is wrong. */
export interface DescribedYamlProblem {
  offset: number;
  message: string;
}

// Problems that stand on their own; every other code is a syntax error, after which the library's
// further findings are mostly echoes of the first one (a missing quote also "leaves a flow map open").
const INDEPENDENT_CODES = ['DUPLICATE_KEY', 'MULTIPLE_DOCS'] as const;

/**
 * Turn the `yaml` library's problems into messages that name the wrong line and say what was expected.
 * Every duplicate key is kept; of the syntax errors only the first. The library's text stays only as
 * the fallback for codes not mapped here.
 */
export function describeYamlProblems(
  problems: readonly YamlProblem[],
  text: string,
  options: DescribeOptions = {},
): DescribedYamlProblem[] {
  const lines = indexLines(text);
  const echo = options.echoValues ?? true;
  const out: DescribedYamlProblem[] = [];
  let syntaxSeen = false;
  for (const problem of problems) {
    const independent = (INDEPENDENT_CODES as readonly string[]).includes(problem.code);
    if (!independent) {
      if (syntaxSeen) continue;
      syntaxSeen = true;
    }
    out.push(describeProblem(problem, text, lines, echo));
  }
  return out;
}

interface Line {
  start: number;
  text: string;
  number: number;
}

function indexLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  text.split('\n').forEach((line, i) => {
    lines.push({ start, text: line.replace(/\r$/, ''), number: i + 1 });
    start += line.length + 1;
  });
  return lines;
}

function lineAt(lines: readonly Line[], offset: number): Line {
  let found = lines[0] as Line;
  for (const line of lines) {
    if (line.start > offset) break;
    found = line;
  }
  return found;
}

const KEY = /^(\s*(?:-\s+)?)((?:"[^"]*"|'[^']*'|[^\s#'"][^#]*?))\s*:(?:\s|$)/;

/** The key of a `key: value` line, its 1-based column and whether a value follows on the line. */
function readKey(line: Line): { key: string; col: number; hasValue: boolean } | undefined {
  const m = KEY.exec(line.text);
  if (!m) return undefined;
  const rest = line.text
    .slice(m[0].length)
    .replace(/(^|\s)#.*$/, '')
    .trim();
  return { key: m[2] as string, col: (m[1] as string).length + 1, hasValue: rest !== '' };
}

function isContent(line: Line): boolean {
  const t = line.text.trim();
  return t !== '' && !t.startsWith('#');
}

function firstCharOffset(line: Line): number {
  return line.start + (line.text.length - line.text.trimStart().length);
}

function describeProblem(
  problem: YamlProblem,
  text: string,
  lines: readonly Line[],
  echo: boolean,
): DescribedYamlProblem {
  const offset = problem.pos[0];
  const line = lineAt(lines, offset);
  switch (problem.code) {
    case 'DUPLICATE_KEY': {
      const key = /^("[^"]*"|'[^']*'|[^\s:]+)/.exec(text.slice(offset))?.[1] ?? '?';
      const quoted = key.startsWith('"') || key.startsWith("'") ? key : `'${key}'`;
      return { offset, message: `duplicate key ${quoted} (each key may appear once in a mapping)` };
    }
    case 'MULTIPLE_DOCS':
      return { offset, message: 'the file holds more than one YAML document (expected exactly one)' };
    case 'RESOURCE_EXHAUSTION':
      // The parser's own text is a JavaScript error ("Maximum call stack size exceeded").
      return {
        offset,
        message:
          'the value starting here nests too deeply to read (expected a few levels of lists and mappings)',
      };
    case 'TAB_AS_INDENT':
      return {
        offset: line.start,
        message: 'tab used for indentation (YAML indents with spaces only: replace the tab with spaces)',
      };
    case 'TAG_RESOLVE_FAILED': {
      const tag = /^!\S*/.exec(text.slice(offset))?.[0] ?? '!';
      // a password may start with '!': without echo, the tag is not shown
      const what = echo ? `unknown tag '${tag}'` : "a value starting with '!' reads as a YAML tag";
      return { offset, message: `${what} (plain YAML values only: remove the tag or quote the value)` };
    }
    case 'UNEXPECTED_TOKEN': {
      const token = /^\S+/.exec(text.slice(offset))?.[0] ?? '';
      const what = echo ? `'${token}'` : 'text';
      return {
        offset,
        message: `unexpected ${what} after the end of a value (quote the whole value, or put the next key on its own line)`,
      };
    }
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return describeKeyProblem(offset, line, lines, echo);
    case 'BAD_INDENT':
      if (/^Flow (sequence|map)/.test(problem.message))
        return describeUnclosedFlow(problem.message, text, offset);
      return describeMisalignedKey(line, lines, echo);
    case 'MISSING_CHAR':
      if (/^Missing closing (["'])quote/.test(problem.message))
        return describeUnclosedQuote(problem.message, lines, offset);
      if (/Sequence item without - indicator/.test(problem.message))
        return describeMisalignedKey(line, lines, echo);
      if (/Implicit map keys need to be followed by map values/.test(problem.message))
        return describeKeyProblem(offset, line, lines, echo);
      break;
  }
  return { offset, message: `invalid YAML: ${echo ? problem.message : withoutSource(problem.message)}` };
}

// "mode read" (no colon), "query: SELECT a: b" (colon inside a plain value) and a key indented under
// a key that already has a value all read to the library as a key that spans lines.
function describeKeyProblem(
  offset: number,
  line: Line,
  lines: readonly Line[],
  echo: boolean,
): DescribedYamlProblem {
  const key = readKey(line);
  if (!key) {
    const got = line.text.trim().replace(/^-\s+/, '');
    return {
      offset: firstCharOffset(line),
      message: `missing ':' after the key (expected 'key: value'${echo ? `, got '${got}'` : ''})`,
    };
  }
  const fromError = line.text.slice(offset - line.start);
  if (/:(\s|$)/.test(fromError) && offset > line.start + key.col) {
    return {
      offset,
      message: `': ' inside an unquoted value of '${key.key}' (quote the whole value, e.g. ${key.key}: "${echo ? fromError.trim() : '…'}")`,
    };
  }
  const next = lines.slice(line.number).find(isContent);
  if (!next) return { offset, message: `the value of '${key.key}' does not end where expected` };
  const nextKey = readKey(next);
  const name = nextKey ? `'${nextKey.key}'` : `line ${next.number}`;
  return {
    offset: firstCharOffset(next),
    message: `${name} is indented deeper than '${key.key}' on line ${line.number}, which already has a value (start it at column ${key.col}, like '${key.key}')`,
  };
}

function describeMisalignedKey(line: Line, lines: readonly Line[], echo: boolean): DescribedYamlProblem {
  const key = readKey(line);
  const col = line.text.length - line.text.trimStart().length + 1;
  const name = key ? `'${key.key}'` : echo ? `'${line.text.trim()}'` : `line ${line.number}`;
  const dash = /^\s*-[^\s-]/.test(line.text) ? " (a list item needs a space after '-')" : '';
  const previous = lines
    .slice(0, line.number - 1)
    .reverse()
    .find((l) => isContent(l) && readKey(l) !== undefined);
  const prevKey = previous ? readKey(previous) : undefined;
  const nearest =
    previous && prevKey
      ? `: the key above it, '${prevKey.key}' on line ${previous.number}, starts at column ${prevKey.col}`
      : '';
  return {
    offset: firstCharOffset(line),
    message: `mis-indented line: ${name} starts at column ${col}, which lines up with no mapping around it${nearest} (keys of one mapping start at the same column)${dash}`,
  };
}

function describeUnclosedQuote(
  message: string,
  lines: readonly Line[],
  offset: number,
): DescribedYamlProblem {
  const quote = message.includes('"') ? '"' : "'";
  const kind = quote === '"' ? 'double' : 'single';
  const opening = findUnclosedQuote(lines, quote, offset) ?? offset;
  return {
    offset: opening,
    message: `unclosed ${kind} quote: the value that starts here never ends (add the closing ${quote} on this line)`,
  };
}

// The first quote opening a value (after `: `, `- `, `[`, `{` or `,`) that its own line does not close.
function findUnclosedQuote(lines: readonly Line[], quote: string, before: number): number | undefined {
  const opener = new RegExp(`(^|[:\\-\\[{,]\\s*|^\\s*)${quote}`, 'g');
  for (const line of lines) {
    if (line.start > before) break;
    for (const m of line.text.matchAll(opener)) {
      const at = (m.index ?? 0) + (m[1] ?? '').length;
      const rest = line.text.slice(at + 1);
      const closed =
        quote === '"'
          ? /(^|[^\\])"/.test(rest) || rest.startsWith('"')
          : rest.replace(/''/g, '').includes("'");
      if (!closed) return line.start + at;
    }
  }
  return undefined;
}

function describeUnclosedFlow(message: string, text: string, offset: number): DescribedYamlProblem {
  const sequence = message.startsWith('Flow sequence');
  const [open, close, what] = sequence ? ['[', ']', 'list'] : ['{', '}', 'mapping'];
  const opening = findUnclosedBracket(text, offset, open) ?? offset;
  return {
    offset: opening,
    message: `unclosed '${open}': the ${what} that starts here has no closing '${close}' (close it, or indent its continuation lines deeper than its key)`,
  };
}

// Scans up to `before` skipping quoted strings and comments; returns the last `open` still unmatched.
function findUnclosedBracket(text: string, before: number, open: string): number | undefined {
  const stack: { char: string; at: number }[] = [];
  let i = 0;
  while (i < before && i < text.length) {
    const c = text[i] as string;
    const prev = i === 0 ? '\n' : (text[i - 1] as string);
    if (c === '#' && /\s/.test(prev)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    if ((c === '"' || c === "'") && /[\s:[{,]/.test(prev)) {
      const end = text.indexOf(c, i + 1);
      if (end === -1 || end >= before) break;
      i = end + 1;
      continue;
    }
    if (c === '[' || c === '{') stack.push({ char: c, at: i });
    else if (c === ']' || c === '}') stack.pop();
    i += 1;
  }
  return stack.filter((s) => s.char === open).at(-1)?.at;
}

/** A library message without any quoted source text (the line may hold a literal password). */
function withoutSource(message: string): string {
  const head = message.split(/:\s/)[0] ?? message;
  return head.replace(/"(?:[^"\\]|\\.)*"/g, '').trim();
}
