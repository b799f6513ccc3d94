import { stringify } from 'yaml';
import type { ComponentSpec, JsonSchema } from '../index.js';

/** A property's type in words: `string`, `integer 1..10`, `append | replace`, `string or list of string`. */
function describeType(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(alternatives)) return alternatives.map(describeType).join(' or ');
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : String(schema.type ?? 'any');
  if (type === 'array' && schema.items && typeof schema.items === 'object')
    return `list of ${describeType(schema.items as JsonSchema)}`;
  const min = schema.minimum;
  const max = schema.maximum;
  if (typeof min === 'number' || typeof max === 'number') return `${type} ${min ?? ''}..${max ?? ''}`;
  return type;
}

function renderConfigTable(spec: ComponentSpec): string[] {
  const properties = (spec.configSchema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((spec.configSchema.required ?? []) as string[]);
  const rows = Object.entries(properties).map(([key, schema]) => {
    const need = required.has(key)
      ? 'required'
      : 'default' in schema
        ? `default ${JSON.stringify(schema.default)}`
        : 'optional';
    const description = String(schema.description ?? '');
    const notes = [
      spec.secrets.includes(key) ? 'secret' : '',
      spec.pathKeys.includes(key) && !description.includes('project directory')
        ? 'relative to the project directory'
        : '',
    ].filter(Boolean);
    return [
      key,
      describeType(schema),
      need,
      notes.length ? `${description} (${notes.join('; ')})` : description,
    ];
  });
  const width = (i: number): number => Math.max(...rows.map((r) => (r[i] ?? '').length));
  const w0 = width(0);
  const w1 = Math.min(width(1), 32);
  const w2 = width(2);
  return rows.map(([key, type, need, text]) =>
    `  ${key?.padEnd(w0)}  ${type?.padEnd(w1)}  ${need?.padEnd(w2)}  ${text}`.trimEnd(),
  );
}

/** `osiris components show NAME` without --json: the spec as a page to read. */
export function renderComponentPage(spec: ComponentSpec): string {
  const connection =
    spec.connectionFamilies.length === 0
      ? 'none'
      : spec.connectionFamilies.map((f) => `@${f}.<alias>`).join(' or ');
  const dependencies =
    spec.runtimeDependencies.map((d) => `${d.name}@${d.version}`).join(', ') || 'none beyond osiris';
  const lines = [
    `${spec.name} ${spec.version}`,
    `  ${spec.title}`,
    '',
    `modes:        ${spec.modes.join(', ')}`,
    `connection:   ${connection}`,
    `runtime deps: ${dependencies}`,
    '',
    'config:',
    ...renderConfigTable(spec),
    '',
    'example step:',
    ...stringify({ component: spec.name, mode: spec.modes[0], config: spec.example })
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
    '',
    `As JSON: --json. Reference: docs/components/${spec.name}.md in the Osiris source.`,
  ];
  return `${lines.join('\n')}\n`;
}
