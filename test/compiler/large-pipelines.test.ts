// Issue 8 §5: long chains in any order and huge cycles compile, or fail with a position, never with
// `Maximum call stack size exceeded`; compile cost per step does not grow with the step count.
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../src/core/errors.js';
import { compile, FILE } from './compile-support.js';

const HEADER = 'oml_version: "0.1.0"\nname: big\nsteps:\n';

// One step per line (flow style) keeps the text small; step i is on line 4 + its declaration position.
function step(i: number, needs: number | undefined): string {
  if (needs === undefined)
    return `  - {id: s${i}, component: filesystem.csv_extractor, mode: read, config: {path: in.csv}}\n`;
  return `  - {id: s${i}, component: duckdb.processor, mode: transform, needs: [s${needs}], config: {query: SELECT 1}}\n`;
}

/** s0 <- s1 <- ... <- s(n-1), declared last step first. */
function reverseChain(n: number): string {
  let text = HEADER;
  for (let i = n - 1; i >= 0; i--) text += step(i, i === 0 ? undefined : i - 1);
  return text;
}

/** s(i) needs s(i-1), and s0 needs s(n-1). */
function cycle(n: number): string {
  let text = HEADER;
  for (let i = 0; i < n; i++) text += step(i, (i + n - 1) % n);
  return text;
}

function forwardChain(n: number): string {
  let text = HEADER;
  for (let i = 0; i < n; i++) text += step(i, i === 0 ? undefined : i - 1);
  return text;
}

describe('large pipelines', () => {
  it('compiles a 5,000-step chain declared in reverse, in dependency order', () => {
    const out = compile(reverseChain(5000));
    expect(out.manifest.steps).toHaveLength(5000);
    expect(out.manifest.steps.map((s) => s.id)).toEqual(Array.from({ length: 5000 }, (_, i) => `s${i}`));
  }, 120_000);

  it('refuses a 20,000-step cycle at its first step, with a bounded message', () => {
    let caught: unknown;
    try {
      compile(cycle(20_000));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CompileError);
    const error = caught as CompileError;
    expect(error.code).toBe('compile_error');
    expect(error.message).toBe(
      `${FILE}:4:${step(0, 19_999).indexOf('needs') + 1}: steps[0] (id: s0).needs: cycle in needs: s0 -> s19999 -> s19998 -> s19997 -> s19996 -> s19995 -> ... (19989 more steps) ... -> s5 -> s4 -> s3 -> s2 -> s1 -> s0 (a -> b means a needs b)`,
    );
  }, 120_000);

  it('keeps the compile cost per step flat from 500 to 4,000 steps', () => {
    // Best of three per size, so a busy machine only slows a run and does not fake growth. A guard: the old
    // code's quadratic parts (a list of every id per step, an n^2 ordering scan, a stack scan per edge)
    // only dominated the YAML parse past about 10,000 steps (0.5 ms/step at 2,000, 2.9 at 20,000).
    const perStep = (n: number): number => {
      const text = forwardChain(n);
      let best = Number.POSITIVE_INFINITY;
      for (let round = 0; round < 3; round++) {
        const t0 = performance.now();
        compile(text);
        best = Math.min(best, performance.now() - t0);
      }
      return best / n;
    };
    perStep(200); // warm up the JIT and the schema validators
    const small = perStep(500);
    const large = perStep(4000);
    expect(large / small, `${small.toFixed(3)} ms/step at 500, ${large.toFixed(3)} at 4,000`).toBeLessThan(3);
  }, 300_000);
});
