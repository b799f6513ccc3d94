import type { DiagnosticSink } from './diagnostic-sink.js';
import { formatPath } from './parse-oml.js';
import type { PathSegment, YamlSource } from './parse-oml.js';
import type { OmlStep } from './read-oml-shape.js';

/** Steps with their resolved needs, in execution order. */
export interface OrderedSteps {
  /** Execution order: topological, ties broken by declaration order. */
  order: OmlStep[];
  /** Resolved needs per step id (explicit, or the previous step when absent). */
  needs: Map<string, string[]>;
}

/** Check ids and needs, find cycles, and order the steps (stable Kahn). */
export function orderSteps(
  steps: readonly OmlStep[],
  source: YamlSource,
  sink: DiagnosticSink,
): OrderedSteps {
  const at = (step: OmlStep, segments: PathSegment[], target: 'key' | 'value' = 'value') =>
    source.locate(['steps', step.index, ...segments], target);
  const byId = new Map<string, OmlStep>();
  for (const step of steps) {
    if (step.id === undefined) continue;
    const first = byId.get(step.id);
    if (first) {
      const line = at(first, ['id']).line;
      sink.error(
        formatPath(step.path, ['id']),
        `duplicate step id '${step.id}' (already used by steps[${first.index}] at line ${line})`,
        at(step, ['id']),
      );
    } else byId.set(step.id, step);
  }
  const needs = new Map<string, string[]>();
  for (const step of steps) {
    if (step.id === undefined || byId.get(step.id) !== step) continue;
    needs.set(step.id, resolveNeeds(step, steps, byId, at, sink));
  }
  reportCycles(steps, byId, needs, at, sink);
  return { order: sortTopologically(steps, byId, needs), needs };
}

function resolveNeeds(
  step: OmlStep,
  steps: readonly OmlStep[],
  byId: ReadonlyMap<string, OmlStep>,
  at: (step: OmlStep, segments: PathSegment[], target?: 'key' | 'value') => ReturnType<YamlSource['locate']>,
  sink: DiagnosticSink,
): string[] {
  const path = (segments: PathSegment[]) => formatPath(step.path, segments);
  if (step.needsBroken) return [];
  if (step.mode === 'read') {
    if (step.needs && step.needs.length > 0) {
      sink.error(
        path(['needs']),
        'a read step takes no inputs (remove needs, or use mode transform to read other steps)',
        at(step, ['needs'], 'key'),
      );
    }
    return [];
  }
  if (step.needs === undefined) {
    // Without a valid mode the implicit input is unknowable; the shape finding already explains why.
    if (step.mode === undefined) return [];
    const previous = steps[steps.indexOf(step) - 1];
    if (previous === undefined) {
      sink.error(
        path(['mode']),
        `a ${step.mode} step needs an input, but it is the first step and has no needs (add needs: [<step id>] or move it after the step it reads)`,
        at(step, ['mode']),
      );
      return [];
    }
    return previous.id === undefined ? [] : [previous.id];
  }
  if (step.needs.length === 0 && step.mode === 'write') {
    sink.error(
      path(['needs']),
      'a write step needs at least one input (needs is empty)',
      at(step, ['needs'], 'key'),
    );
  }
  const known = [...byId.keys()].filter((id) => id !== step.id);
  const out: string[] = [];
  step.needs.forEach((need, i) => {
    if (!byId.has(need)) {
      const list = known.length > 0 ? `known steps: ${known.join(', ')}` : 'there are no other steps';
      sink.error(path(['needs', i]), `unknown step '${need}' (${list})`, at(step, ['needs', i]));
    } else if (out.includes(need)) {
      sink.error(path(['needs', i]), `step '${need}' is listed twice in needs`, at(step, ['needs', i]));
    } else out.push(need);
  });
  return out;
}

// Tarjan's strongly connected components; each component with a cycle is reported once, at its earliest-declared step.
function reportCycles(
  steps: readonly OmlStep[],
  byId: ReadonlyMap<string, OmlStep>,
  needs: ReadonlyMap<string, string[]>,
  at: (step: OmlStep, segments: PathSegment[], target?: 'key' | 'value') => ReturnType<YamlSource['locate']>,
  sink: DiagnosticSink,
): void {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    for (const w of needs.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        component.push(w);
      } while (w !== v);
      components.push(component);
    }
  };
  for (const id of byId.keys()) if (!index.has(id)) connect(id);
  const declared = (id: string) => (byId.get(id) as OmlStep).index;
  const cycles = components
    .filter((c) => c.length > 1 || (needs.get(c[0] as string) ?? []).includes(c[0] as string))
    .map((c) => c.sort((a, b) => declared(a) - declared(b)))
    .sort((a, b) => declared(a[0] as string) - declared(b[0] as string));
  for (const component of cycles) {
    const start = byId.get(component[0] as string) as OmlStep;
    const cycle = findCycle(start.id as string, new Set(component), needs);
    sink.error(
      formatPath(start.path, ['needs']),
      `cycle in needs: ${cycle.join(' -> ')} (a -> b means a needs b)`,
      at(start, ['needs'], 'key'),
    );
  }
}

// Shortest way back to `start` inside its component (breadth-first, edges in declared order), so the message is deterministic.
function findCycle(
  start: string,
  members: ReadonlySet<string>,
  needs: ReadonlyMap<string, string[]>,
): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i] as string;
    for (const w of needs.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const between: string[] = [];
        for (let u = v; u !== start; u = parent.get(u) as string) between.unshift(u);
        return [start, ...between, start];
      }
      if (!parent.has(w) && w !== start) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function sortTopologically(
  steps: readonly OmlStep[],
  byId: ReadonlyMap<string, OmlStep>,
  needs: ReadonlyMap<string, string[]>,
): OmlStep[] {
  const placed = new Set<string>();
  const order: OmlStep[] = [];
  const pending = steps.filter((s) => s.id !== undefined && byId.get(s.id) === s);
  // O(n^2) is fine for pipelines; picking the first ready step in declaration order makes ties stable.
  while (pending.length > 0) {
    const next = pending.findIndex((s) => (needs.get(s.id as string) ?? []).every((n) => placed.has(n)));
    if (next < 0) break;
    const [step] = pending.splice(next, 1) as [OmlStep];
    placed.add(step.id as string);
    order.push(step);
  }
  return order;
}
