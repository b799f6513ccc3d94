// The worker's gate: every stdin line is checked here before anything acts on it. Hand-written (no
// schema library in the worker's entry chunk) and strict: unknown commands, unknown keys and wrong
// types are refused with a message that names the field, never echoing the line (it may hold secrets).
import type { PrepareSecrets, Request } from './protocol.js';

/** A line the worker may act on, or why it may not (with the request id when one could be read). */
export type ParsedRequest =
  { ok: true; request: Request } | { ok: false; id: number | null; message: string };

type Shape = Record<string, (value: unknown) => boolean>;

const isString = (v: unknown): v is string => typeof v === 'string';
const isNonEmptyString = (v: unknown): boolean => isString(v) && v !== '' && !v.includes('\0');
const isBoolean = (v: unknown): boolean => typeof v === 'boolean';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isWholeNumber = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isRecordOf =
  (check: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    isObject(v) && Object.values(v).every(check);
const isArrayOf =
  (check: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    Array.isArray(v) && v.every(check);

const isDependency = (v: unknown): boolean =>
  isObject(v) && hasShape(v, { name: isNonEmptyString, version: isNonEmptyString }, []) === undefined;
const isInputRef = (v: unknown): boolean =>
  isObject(v) && hasShape(v, { from_step: isNonEmptyString, key: isNonEmptyString }, []) === undefined;
// A resolved connection is checked for the fields the worker uses; other keys are let through, since the
// host's connection registry may describe a connection with more than the worker reads.
const isConnection = (v: unknown): boolean =>
  isObject(v) &&
  isString(v.family) &&
  isString(v.alias) &&
  isObject(v.fields) &&
  isArrayOf(isString)(v.secrets) &&
  (v.files === undefined || isRecordOf(isString)(v.files)) &&
  (v.options === undefined || isArrayOf(isStringPair)(v.options));
const isStringPair = (v: unknown): boolean => Array.isArray(v) && v.length === 2 && v.every(isString);
const isConnectionError = (v: unknown): boolean =>
  isObject(v) && hasShape(v, { code: isString, message: isString }, []) === undefined;
const isBoundary = (v: unknown): boolean =>
  isObject(v) && hasShape(v, { cursor: isString, key: isArrayOf(isString) }, []) === undefined;
const isStart = (v: unknown): boolean =>
  isObject(v) && hasShape(v, { after: isArrayOf(isBoundary) }, []) === undefined;
const isSecrets = (v: unknown): v is PrepareSecrets =>
  isObject(v) &&
  hasShape(
    v,
    { connections: isRecordOf(isConnection), connection_errors: isRecordOf(isConnectionError) },
    [],
  ) === undefined;

/** Fields of each command besides `cmd` and `id`; `optional` may be absent. */
const COMMANDS: Record<Request['cmd'], { fields: Shape; optional: string[] }> = {
  ping: { fields: { protocol: isWholeNumber }, optional: [] },
  prepare: {
    fields: {
      manifest_path: isNonEmptyString,
      install_deps: isBoolean,
      memory_limit: isNonEmptyString,
      threads: (v) => isWholeNumber(v) && v > 0,
      dependencies: isArrayOf(isDependency),
      starts: isRecordOf(isStart),
      streams: isRecordOf(isNonEmptyString),
      secrets: isSecrets,
      session_id: isString,
    },
    optional: ['starts', 'streams', 'secrets', 'session_id'],
  },
  exec_step: {
    fields: {
      step_id: isNonEmptyString,
      driver: isNonEmptyString,
      cfg_path: isNonEmptyString,
      inputs: isRecordOf(isInputRef),
      start: isStart,
    },
    optional: ['start'],
  },
  cleanup: { fields: { archive_path: isNonEmptyString }, optional: [] },
};

/** The first problem of `value` against `shape`, or undefined when it conforms. */
function hasShape(
  value: Record<string, unknown>,
  shape: Shape,
  optional: readonly string[],
): string | undefined {
  for (const key of Object.keys(value))
    if (!Object.hasOwn(shape, key)) return `unknown field '${key.slice(0, 40)}'`;
  for (const [key, check] of Object.entries(shape)) {
    if (!Object.hasOwn(value, key)) {
      if (optional.includes(key)) continue;
      return `missing field '${key}'`;
    }
    if (!check(value[key])) return `field '${key}' has the wrong type or shape`;
  }
  return undefined;
}

/** Parse and validate one stdin line of the worker. */
export function parseRequest(text: string): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the line, which may hold a secret of a torn prepare request
    return { ok: false, id: null, message: `line is not valid JSON (${text.length} characters)` };
  }
  if (!isObject(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { ok: false, id: null, message: `a request must be a JSON object, got ${kind}` };
  }
  const id = isWholeNumber(value.id) ? value.id : null;
  if (id === null) {
    return { ok: false, id, message: "a request needs 'id', a whole number" };
  }
  const cmd = value.cmd;
  if (!isString(cmd) || !Object.hasOwn(COMMANDS, cmd)) {
    const shown = isString(cmd) ? `'${cmd.slice(0, 40)}'` : typeof cmd;
    return {
      ok: false,
      id,
      message: `unknown command ${shown} (expected ${Object.keys(COMMANDS).join(', ')})`,
    };
  }
  const spec = COMMANDS[cmd as Request['cmd']];
  const { cmd: _cmd, id: _id, ...rest } = value;
  const problem = hasShape(rest, spec.fields, spec.optional);
  if (problem) return { ok: false, id, message: `${cmd}: ${problem}` };
  return { ok: true, request: value as unknown as Request };
}
