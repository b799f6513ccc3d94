import type { SourcePosition } from '../core/errors.js';
import { createIndexHeap } from './create-index-heap.js';
import type { DiagnosticSink } from './diagnostic-sink.js';
import { indexStepIds } from './index-step-ids.js';
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

type Locate = (step: OmlStep, segments: PathSegment[], target?: 'key' | 'value') => SourcePosition;

// Messages name at most this many steps of a long list or cycle: a 20,000-step cycle stays one readable line.
const LISTED_STEPS = 12;

/**
 * Check ids and needs, find cycles, and order the steps (stable Kahn). Every part is iterative and
 * linear (or n log n) in the number of steps and needs: a pipeline of tens of thousands of steps in any
 * declaration order compiles, or fails with positions, without deep recursion.
 */
export function orderSteps(
  steps: readonly OmlStep[],
  source: YamlSource,
  sink: DiagnosticSink,
): OrderedSteps {
  const at: Locate = (step, segments, target = 'value') =>
    source.locate(['steps', step.index, ...segments], target);
  const byId = indexStepIds(steps, at, sink);
  const needs = new Map<string, string[]>();
  steps.forEach((step, position) => {
    if (step.id === undefined || byId.get(step.id) !== step) return;
    needs.set(step.id, resolveNeeds(step, steps[position - 1], byId, at, sink));
  });
  reportCycles(byId, needs, at, sink);
  return { order: sortTopologically(steps, byId, needs), needs };
}

/** `a, b, c` or, past LISTED_STEPS names, `a, b, ... and 19990 more`. */
function listSome(ids: readonly string[]): string {
  if (ids.length <= LISTED_STEPS) return ids.join(', ');
  return `${ids.slice(0, LISTED_STEPS).join(', ')} and ${ids.length - LISTED_STEPS} more`;
}

function resolveNeeds(
  step: OmlStep,
  previous: OmlStep | undefined,
  byId: ReadonlyMap<string, OmlStep>,
  at: Locate,
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
  const out: string[] = [];
  const listed = new Set<string>();
  step.needs.forEach((need, i) => {
    if (!byId.has(need)) {
      // Built only on this error path: the list of every id per step made large pipelines quadratic.
      const known = [...byId.keys()].filter((id) => id !== step.id);
      const list = known.length > 0 ? `known steps: ${listSome(known)}` : 'there are no other steps';
      sink.error(path(['needs', i]), `unknown step '${need}' (${list})`, at(step, ['needs', i]));
    } else if (listed.has(need)) {
      sink.error(path(['needs', i]), `step '${need}' is listed twice in needs`, at(step, ['needs', i]));
    } else {
      listed.add(need);
      out.push(need);
    }
  });
  return out;
}

// Tarjan's strongly connected components with an explicit stack (a recursive walk overflowed the call
// stack on chains of a few thousand steps); each component with a cycle is reported once, at its earliest-declared step.
function reportCycles(
  byId: ReadonlyMap<string, OmlStep>,
  needs: ReadonlyMap<string, string[]>,
  at: Locate,
  sink: DiagnosticSink,
): void {
  const declared = (id: string) => (byId.get(id) as OmlStep).index;
  const cycles = findComponents([...byId.keys()], needs)
    .filter((c) => c.length > 1 || (needs.get(c[0] as string) ?? []).includes(c[0] as string))
    .map((c) => c.sort((a, b) => declared(a) - declared(b)))
    .sort((a, b) => declared(a[0] as string) - declared(b[0] as string));
  for (const component of cycles) {
    const start = byId.get(component[0] as string) as OmlStep;
    const cycle = findCycle(start.id as string, new Set(component), needs);
    sink.error(
      formatPath(start.path, ['needs']),
      `cycle in needs: ${renderCycle(cycle)} (a -> b means a needs b)`,
      at(start, ['needs'], 'key'),
    );
  }
}

interface Frame {
  id: string;
  edges: readonly string[];
  next: number;
}

function findComponents(ids: readonly string[], needs: ReadonlyMap<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const frames: Frame[] = [];
  const open = (id: string): void => {
    index.set(id, counter);
    low.set(id, counter++);
    stack.push(id);
    onStack.add(id);
    frames.push({ id, edges: needs.get(id) ?? [], next: 0 });
  };
  const lower = (id: string, value: number): void => {
    if (value < (low.get(id) as number)) low.set(id, value);
  };
  for (const root of ids) {
    if (index.has(root)) continue;
    open(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as Frame;
      if (frame.next < frame.edges.length) {
        const w = frame.edges[frame.next++] as string;
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) lower(frame.id, index.get(w) as number);
        continue;
      }
      frames.pop();
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.id);
        components.push(component);
      }
      const parent = frames[frames.length - 1];
      if (parent) lower(parent.id, low.get(frame.id) as number);
    }
  }
  return components;
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
        for (let u = v; u !== start; u = parent.get(u) as string) between.push(u);
        return [start, ...between.reverse(), start];
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** `a -> b -> a`, or for a long cycle its first and last steps around `... (N more) ...`. */
function renderCycle(cycle: readonly string[]): string {
  if (cycle.length <= LISTED_STEPS) return cycle.join(' -> ');
  const head = cycle.slice(0, LISTED_STEPS / 2);
  const tail = cycle.slice(cycle.length - LISTED_STEPS / 2);
  const hidden = cycle.length - head.length - tail.length;
  return `${head.join(' -> ')} -> ... (${hidden} more steps) ... -> ${tail.join(' -> ')}`;
}

// Kahn's algorithm with a heap of declaration positions: always the earliest-declared ready step, so
// ties keep declaration order (as the former first-ready scan did) in n log n instead of n^2.
function sortTopologically(
  steps: readonly OmlStep[],
  byId: ReadonlyMap<string, OmlStep>,
  needs: ReadonlyMap<string, string[]>,
): OmlStep[] {
  const live = steps.filter((s) => s.id !== undefined && byId.get(s.id) === s);
  const position = new Map(live.map((s, i) => [s.id as string, i]));
  const waiting = live.map((s) => (needs.get(s.id as string) ?? []).length);
  const dependents = live.map((): number[] => []);
  const ready = createIndexHeap();
  live.forEach((s, i) => {
    for (const need of needs.get(s.id as string) ?? []) dependents[position.get(need) as number]?.push(i);
    if (waiting[i] === 0) ready.push(i);
  });
  const order: OmlStep[] = [];
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    order.push(live[i] as OmlStep);
    for (const d of dependents[i] as number[]) {
      waiting[d] = (waiting[d] as number) - 1;
      if (waiting[d] === 0) ready.push(d);
    }
  }
  return order;
}
