import type { SourcePosition } from '../core/errors.js';
import type { DiagnosticSink } from './diagnostic-sink.js';
import { formatPath } from './parse-oml.js';
import type { PathSegment } from './parse-oml.js';
import type { OmlStep } from './read-oml-shape.js';

type Locate = (step: OmlStep, segments: PathSegment[], target?: 'key' | 'value') => SourcePosition;

/**
 * The SQL alias of a step's output, `df_<id>` with '-' as '_'. It must give the same name as the
 * runtime's `aliasOf` (src/runtime/step-views.ts; test/compiler/step-id-collisions.test.ts holds them
 * together): ids only hold [a-z0-9_-], so '-' is the one character that rule replaces.
 */
export function createStepAlias(stepId: string): string {
  return `df_${stepId.replace(/-/g, '_')}`;
}

function describeAt(position: SourcePosition): string {
  return `${position.file}:${position.line}:${position.col}`;
}

/**
 * Steps by id (the first of duplicates). Refuses duplicate ids, and ids whose SQL names would clash: two
 * ids with the same `df_` alias (`a-b`, `a_b`), or an id that is another step's alias (`df_x` beside `x`)
 * — a query naming it could not say which step it means. Each clash is reported once, at the later step,
 * with the earlier one's file:line:col. Linear in the number of steps.
 */
export function indexStepIds(
  steps: readonly OmlStep[],
  at: Locate,
  sink: DiagnosticSink,
): Map<string, OmlStep> {
  const byId = new Map<string, OmlStep>();
  const byAlias = new Map<string, OmlStep>();
  for (const step of steps) {
    if (step.id === undefined) continue;
    const first = byId.get(step.id);
    const path = formatPath(step.path, ['id']);
    if (first) {
      const line = at(first, ['id']).line;
      sink.error(
        path,
        `duplicate step id '${step.id}' (already used by steps[${first.index}] at line ${line})`,
        at(step, ['id']),
      );
      continue;
    }
    const alias = createStepAlias(step.id);
    const sameAlias = byAlias.get(alias);
    const idIsAlias = byAlias.get(step.id);
    const aliasIsId = byId.get(alias);
    if (sameAlias) {
      sink.error(
        path,
        `step ids '${sameAlias.id}' (steps[${sameAlias.index}] at ${describeAt(at(sameAlias, ['id']))}) and '${step.id}' both give the SQL alias '${alias}' ('-' becomes '_' in df_ aliases; rename one)`,
        at(step, ['id']),
      );
    } else if (idIsAlias) {
      sink.error(
        path,
        `step id '${step.id}' is the SQL alias of step '${idIsAlias.id}' (steps[${idIsAlias.index}] at ${describeAt(at(idIsAlias, ['id']))}), so a query naming '${step.id}' would be ambiguous (rename one)`,
        at(step, ['id']),
      );
    } else if (aliasIsId) {
      sink.error(
        path,
        `the SQL alias '${alias}' of step '${step.id}' is the id of step '${aliasIsId.id}' (steps[${aliasIsId.index}] at ${describeAt(at(aliasIsId, ['id']))}), so a query naming '${alias}' would be ambiguous (rename one)`,
        at(step, ['id']),
      );
    }
    byId.set(step.id, step);
    if (!byAlias.has(alias)) byAlias.set(alias, step);
  }
  return byId;
}
