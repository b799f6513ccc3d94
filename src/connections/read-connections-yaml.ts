import { LineCounter, isAlias, isMap, isScalar, parseDocument } from 'yaml';
import type { Node, Pair } from 'yaml';
import { CONNECTION_FAMILIES } from '../core/connection.js';
import type { ConnectionFamily } from '../core/connection.js';
import { describeYamlProblems } from '../core/describe-yaml-problems.js';
import { OsirisError } from '../core/errors.js';
import { DSN_EXCLUSIVE_FIELDS, FAMILY_FIELDS, FAMILY_REQUIRED_ANY } from './connection-fields.js';
import { isLiteralTemplate, parseTemplate, renderTemplate } from './parse-template.js';
import type { Template } from './parse-template.js';

/** One field of a connection as written, with its place in the file. */
export interface FieldSource {
  /** Field name, e.g. `password`. */
  name: string;
  /** Its value split into text and `${VAR}` references. */
  template: Template;
}

/** One `family.alias` entry of the file. */
export interface ConnectionEntry {
  /** Family, e.g. `mysql`. */
  family: ConnectionFamily;
  /** Alias within the family. */
  alias: string;
  /** `default: true` was given. */
  isDefault: boolean;
  /** Fields in file order, `default` excluded. */
  fields: FieldSource[];
}

const ALIAS_NAME = /^[A-Za-z0-9_-]+$/;
const TOP_LEVEL_KEYS = ['connections', 'version'];

interface Problem {
  offset: number;
  message: string;
}

function isEmpty(node: unknown): boolean {
  return (
    node === null || node === undefined || (isScalar(node) && (node.value === null || node.value === ''))
  );
}

function offsetOf(node: unknown, fallback: number): number {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : fallback;
}

/** Reads the AST so every problem carries its position; collects all problems before throwing. */
class ConnectionsReader {
  readonly problems: Problem[] = [];
  readonly entries: ConnectionEntry[] = [];

  private report(node: unknown, fallback: number, message: string): void {
    this.problems.push({ offset: offsetOf(node, fallback), message });
  }

  /** Plain-scalar key text, or undefined after reporting a problem. */
  private keyOf(pair: Pair, fallback: number): string | undefined {
    if (isScalar(pair.key) && typeof pair.key.value === 'string') return pair.key.value;
    this.report(
      pair.key,
      fallback,
      isAlias(pair.key) ? 'YAML aliases (*name) are not supported' : 'keys must be plain names',
    );
    return undefined;
  }

  readRoot(root: unknown): void {
    if (isEmpty(root)) return;
    if (!isMap(root)) {
      this.report(root, 0, "expected a mapping with a 'connections' key");
      return;
    }
    for (const pair of root.items) {
      const key = this.keyOf(pair, 0);
      if (key === undefined) continue;
      if (key === 'connections') this.readFamilies(pair.value, offsetOf(pair.key, 0));
      else if (key === 'version') {
        if (!isScalar(pair.value) || pair.value.value !== '1')
          this.report(pair.value, offsetOf(pair.key, 0), "'version' must be 1");
      } else
        this.report(
          pair.key,
          0,
          `unknown top-level key '${key}'; expected one of: ${TOP_LEVEL_KEYS.join(', ')}`,
        );
    }
  }

  private readFamilies(node: unknown, at: number): void {
    if (isEmpty(node)) return;
    if (!isMap(node)) {
      this.report(node, at, "'connections' must be a mapping of families (mysql, postgres, ...) to aliases");
      return;
    }
    for (const pair of node.items) {
      const family = this.keyOf(pair, at);
      if (family === undefined) continue;
      if (!(CONNECTION_FAMILIES as readonly string[]).includes(family)) {
        this.report(
          pair.key,
          at,
          `unknown connection family '${family}'; expected one of: ${CONNECTION_FAMILIES.join(', ')}`,
        );
        continue;
      }
      this.readAliases(family as ConnectionFamily, pair.value, offsetOf(pair.key, at));
    }
  }

  private readAliases(family: ConnectionFamily, node: unknown, at: number): void {
    if (isEmpty(node)) return;
    if (!isMap(node)) {
      this.report(node, at, `connections.${family} must be a mapping of aliases to connections`);
      return;
    }
    const defaults: Array<{ alias: string; offset: number }> = [];
    for (const pair of node.items) {
      const alias = this.keyOf(pair, at);
      if (alias === undefined) continue;
      if (!ALIAS_NAME.test(alias)) {
        this.report(
          pair.key,
          at,
          `connections.${family}: alias '${alias}' is not a valid name (use letters, digits, _ and -)`,
        );
        continue;
      }
      const defaultAt = this.readConnection(family, alias, pair.value, offsetOf(pair.key, at));
      if (defaultAt !== undefined) defaults.push({ alias, offset: defaultAt });
    }
    if (defaults.length > 1) {
      this.problems.push({
        offset: (defaults[1] as { offset: number }).offset,
        message: `connections.${family}: more than one alias is marked default: true (${defaults.map((d) => d.alias).join(', ')}); mark only one`,
      });
    }
  }

  /** A field's `${VAR}` template, or undefined after reporting why it cannot be one. */
  private readTemplate(
    label: string,
    name: string,
    text: string,
    value: unknown,
    keyAt: number,
  ): Template | undefined {
    const template = parseTemplate(text);
    if (template === 'unterminated') {
      this.report(
        value,
        keyAt,
        `${label}: field '${name}' has '\${' without a closing '}' (write '$$' for a literal '$')`,
      );
      return undefined;
    }
    if (template === 'bad_name') {
      this.report(
        value,
        keyAt,
        `${label}: field '${name}' has an invalid variable reference; expected \${NAME} or \${NAME:-default}, NAME of letters, digits and _`,
      );
      return undefined;
    }
    if (name === 'port' && isLiteralTemplate(template) && !isValidPort(renderLiteral(template))) {
      this.report(value, keyAt, `${label}: field 'port' must be an integer from 1 to 65535`);
    }
    return template;
  }

  /** Reads one alias; returns the offset of its `default: true`, if any. */
  private readConnection(
    family: ConnectionFamily,
    alias: string,
    node: unknown,
    at: number,
  ): number | undefined {
    const label = `connection @${family}.${alias}`;
    if (!isEmpty(node) && !isMap(node)) {
      this.report(node, at, `${label} must be a mapping of fields`);
      return undefined;
    }
    const expected = ['default', ...FAMILY_FIELDS[family]];
    const entry: ConnectionEntry = { family, alias, isDefault: false, fields: [] };
    const seen = new Map<string, number>();
    let defaultAt: number | undefined;
    for (const pair of isMap(node) ? node.items : []) {
      const name = this.keyOf(pair, at);
      if (name === undefined) continue;
      const keyAt = offsetOf(pair.key, at);
      if (!expected.includes(name)) {
        this.report(
          pair.key,
          at,
          `${label}: unknown field '${name}'; expected one of: ${expected.join(', ')}`,
        );
        continue;
      }
      seen.set(name, keyAt);
      const value = pair.value;
      if (isAlias(value)) {
        this.report(
          value,
          keyAt,
          `${label}: field '${name}' uses a YAML alias (*name), which is not supported`,
        );
        continue;
      }
      if (!isEmpty(value) && !(isScalar(value) && typeof value.value === 'string')) {
        this.report(value, keyAt, `${label}: field '${name}' must be a single value, not a mapping or list`);
        continue;
      }
      const text = isEmpty(value) ? '' : (value as { value: string }).value;
      if (name === 'default') {
        if (!/^(true|false)$/i.test(text))
          this.report(value, keyAt, `${label}: field 'default' must be true or false`);
        else if (text.toLowerCase() === 'true') {
          entry.isDefault = true;
          defaultAt = keyAt;
        }
        continue;
      }
      const template = this.readTemplate(label, name, text, value, keyAt);
      if (template) entry.fields.push({ name, template });
    }
    const dsnAt = seen.get('dsn');
    const clashing = DSN_EXCLUSIVE_FIELDS.filter((f) => seen.has(f));
    if (dsnAt !== undefined && clashing.length > 0) {
      this.problems.push({
        offset: dsnAt,
        message: `${label}: 'dsn' cannot be combined with ${clashing.join(', ')}; give either dsn or host, port, user, password, database`,
      });
    }
    const requiredAny = FAMILY_REQUIRED_ANY[family];
    if (!requiredAny.some((f) => seen.has(f))) {
      this.problems.push({
        offset: at,
        message: `${label}: needs one of these fields: ${requiredAny.join(', ')}`,
      });
    }
    this.entries.push(entry);
    return defaultAt;
  }
}

function renderLiteral(template: Template): string {
  const rendered = renderTemplate(template, {});
  return 'value' in rendered ? rendered.value : '';
}

/** True for the text of an integer 1..65535. */
export function isValidPort(text: string): boolean {
  return /^[0-9]{1,5}$/.test(text.trim()) && Number(text) >= 1 && Number(text) <= 65535;
}

/**
 * Read the connections YAML into entries (no substitution yet: variables resolve at run time).
 * Throws OsirisError('config_error') naming file:line:col for malformed YAML, unknown families or fields,
 * two defaults, a dsn beside host fields, a literal bad port; every problem is listed, never a value.
 */
export function readConnectionsYaml(text: string, file: string): ConnectionEntry[] {
  const lineCounter = new LineCounter();
  // failsafe: every scalar stays the text as written, so `password: 0012` keeps its zeros.
  const doc = parseDocument(text, { lineCounter, schema: 'failsafe', prettyErrors: false, uniqueKeys: true });
  const where = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const fail = (problems: Problem[]): never => {
    const sorted = [...problems].sort((a, b) => a.offset - b.offset);
    const [first, ...others] = sorted as [Problem, ...Problem[]];
    const lines = [first.message, ...others.map((p) => `${where(p.offset)}: ${p.message}`)];
    throw new OsirisError('config_error', lines.join('\n'), { where: where(first.offset) });
  };
  // Warnings count too: an unknown tag (`password: !x9`) would otherwise silently drop its '!'.
  if (doc.errors.length > 0 || doc.warnings.length > 0) {
    // in words, at the line that is wrong; never quoting a value (the file may hold a literal password)
    const described = describeYamlProblems([...doc.errors, ...doc.warnings], text, { echoValues: false });
    fail(
      described.map((p) => ({
        offset: p.offset,
        message: p.message.startsWith('invalid YAML') ? p.message : `invalid YAML: ${p.message}`,
      })),
    );
  }
  const reader = new ConnectionsReader();
  reader.readRoot(doc.contents);
  if (reader.problems.length > 0) fail(reader.problems);
  return reader.entries;
}
