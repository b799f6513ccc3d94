// YAML syntax errors in plain words, at the line that is wrong: one table row per common mistake.
// The yaml library's own text ("Nested mappings are not allowed in compact mappings") is only a fallback.
import { describe, expect, it } from 'vitest';
import { FILE, oml, refuse } from './compile-support.js';

// Lines 1-5 of every case; the mistake is on line 6 or later.
const HEAD = [
  'oml_version: "0.1.0"',
  'name: movies',
  'steps:',
  '  - id: extract',
  '    component: filesystem.csv_extractor',
];

const CASES: { mistake: string; lines: string[]; expected: string[] }[] = [
  {
    mistake: 'a key indented deeper than its sibling',
    lines: [...HEAD, '     mode: read', '    config: { path: a.csv }'],
    expected: [
      `${FILE}:6:6: 'mode' is indented deeper than 'component' on line 5, which already has a value (start it at column 5, like 'component')`,
    ],
  },
  {
    mistake: 'a key indented less than its sibling',
    lines: [...HEAD, '   mode: read', '    config: { path: a.csv }'],
    expected: [
      `${FILE}:6:4: mis-indented line: 'mode' starts at column 4, which lines up with no mapping around it: the key above it, 'component' on line 5, starts at column 5 (keys of one mapping start at the same column)`,
    ],
  },
  {
    mistake: 'a top-level key indented by one space',
    lines: ['oml_version: "0.1.0"', ' name: movies', 'steps: []'],
    expected: [
      `${FILE}:2:2: mis-indented line: 'name' starts at column 2, which lines up with no mapping around it: the key above it, 'oml_version' on line 1, starts at column 1 (keys of one mapping start at the same column)`,
    ],
  },
  {
    mistake: 'tab indentation',
    lines: [...HEAD, '    mode: read', '    config:', '\tpath: a.csv'],
    expected: [
      `${FILE}:8:1: tab used for indentation (YAML indents with spaces only: replace the tab with spaces)`,
    ],
  },
  {
    mistake: 'a missing colon before a following key',
    lines: [...HEAD, '    mode read', '    config: { path: a.csv }'],
    expected: [`${FILE}:6:5: missing ':' after the key (expected 'key: value', got 'mode read')`],
  },
  {
    mistake: 'a missing colon on the last line',
    lines: [...HEAD, '    config: { path: a.csv }', '    mode read'],
    expected: [`${FILE}:7:5: missing ':' after the key (expected 'key: value', got 'mode read')`],
  },
  {
    mistake: 'a colon inside an unquoted value',
    lines: [...HEAD, '    mode: read', '    config:', '      path: c: a.csv'],
    expected: [
      `${FILE}:8:13: ': ' inside an unquoted value of 'path' (quote the whole value, e.g. path: "c: a.csv")`,
    ],
  },
  {
    mistake: 'an unclosed double quote',
    lines: [...HEAD, '    mode: "read', '    config: { path: a.csv }'],
    expected: [
      `${FILE}:6:11: unclosed double quote: the value that starts here never ends (add the closing " on this line)`,
    ],
  },
  {
    mistake: 'an unclosed single quote',
    lines: [...HEAD, "    mode: 'read", '    config: { path: a.csv }'],
    expected: [
      `${FILE}:6:11: unclosed single quote: the value that starts here never ends (add the closing ' on this line)`,
    ],
  },
  {
    mistake: 'an unclosed quote inside a flow mapping (reported once, not also as an open {)',
    lines: [...HEAD, '    mode: read', '    config: { path: "a.csv }'],
    expected: [
      `${FILE}:7:21: unclosed double quote: the value that starts here never ends (add the closing " on this line)`,
    ],
  },
  {
    mistake: 'an unclosed bracket',
    lines: [...HEAD, '    mode: read', '    needs: [a, b', '    config: { path: a.csv }'],
    expected: [
      `${FILE}:7:12: unclosed '[': the list that starts here has no closing ']' (close it, or indent its continuation lines deeper than its key)`,
    ],
  },
  {
    mistake: 'an unclosed brace',
    lines: [...HEAD, '    mode: read', '    config: { path: a.csv'],
    expected: [
      `${FILE}:7:13: unclosed '{': the mapping that starts here has no closing '}' (close it, or indent its continuation lines deeper than its key)`,
    ],
  },
  {
    mistake: 'a duplicate key (every one is reported)',
    lines: [...HEAD, '    mode: read', '    mode: write', '    config: { path: a.csv, path: b.csv }'],
    expected: [
      `${FILE}:7:5: duplicate key 'mode' (each key may appear once in a mapping)`,
      `${FILE}:8:28: duplicate key 'path' (each key may appear once in a mapping)`,
    ],
  },
  {
    mistake: 'text after a quoted value',
    lines: [...HEAD, '    mode: "read" now', '    config: { path: a.csv }'],
    expected: [
      `${FILE}:6:18: unexpected 'now' after the end of a value (quote the whole value, or put the next key on its own line)`,
    ],
  },
  {
    mistake: 'an unknown tag',
    lines: [...HEAD, '    mode: !fancy read', '    config: { path: a.csv }'],
    expected: [
      `${FILE}:6:11: unknown tag '!fancy' (plain YAML values only: remove the tag or quote the value)`,
    ],
  },
];

describe('YAML syntax errors name the wrong line and what was expected', () => {
  it.each(CASES)('$mistake', ({ lines, expected }) => {
    const found = refuse(oml(...lines), 'oml_invalid');
    expect(found).toEqual(expected);
    // The library's jargon never reaches the user for these mistakes.
    expect(found.join('\n')).not.toMatch(
      /invalid YAML|compact mappings|Implicit keys|Flow (map|sequence) in block/,
    );
  });
});

describe('a value nested too deeply for the parser', () => {
  it('is refused on its line in words, not as a JavaScript stack error', () => {
    const deep = `metadata: ${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const found = refuse(oml('oml_version: "0.1.0"', 'name: deep', deep, 'steps: []'), 'oml_invalid');
    // The column is where the parser's stack ran out, which depends on the Node version.
    expect(found).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${FILE}:3:\\d+: the value starting here nests too deeply to read \\(expected a few levels of lists and mappings\\)$`,
        ),
      ),
    ]);
  });
});
