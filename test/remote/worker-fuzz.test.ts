// Issue 8 §6: the worker protocol is strict. The real worker bundle (dist/worker, built by
// `npm run build`) runs as a child process in a temp directory and gets thousands of hostile lines:
// random text, truncated requests, wrong types, nulls, arrays, numbers, escaping paths and a line over
// the 64 MB cap. It must never crash, answer every line exactly once (with the id when it has one),
// and never write outside its directory.
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/run-osiris.js';
import { createSeededRandom } from '../support/seeded-random.js';

const WORKER_DIR = join(REPO_ROOT, 'dist', 'worker');
const CAP = 64 * 1024 * 1024;

interface Sent {
  /** The line without its newline. */
  text: string;
  /** The id the worker can read from it, null when it cannot. */
  id: number | null;
}

/** Every entry of a directory tree, relative, skipping `skip` (the sandbox itself). */
function listTree(dir: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, name.name);
      if (path === skip) continue;
      out.push(relative(dir, path));
      if (name.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return out.sort();
}

function buildLines(random: () => number, outer: string): Sent[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const escaping = [
    '../escape.tar',
    '../../escape.tar',
    'a/../../escape.tar',
    `${outer}/absolute.tar`,
    'out/through-symlink.tar',
    'out/../escape.tar',
    'artifacts/../../escape.tar',
    'x\0y',
    '',
    '.',
    'worker',
    '/etc/passwd',
  ];
  const wrongValues: unknown[] = [null, 0, -1, 1.5, '', 'x', true, [], [1], {}, { a: 1 }, 1e308, '../x'];
  const valid = (id: number): Record<string, unknown> =>
    pick([
      { cmd: 'ping', protocol: 1, id },
      { cmd: 'ping', protocol: 99, id },
      {
        cmd: 'prepare',
        manifest_path: pick(escaping),
        install_deps: false,
        memory_limit: '1GB',
        threads: 1,
        dependencies: [],
        id,
      },
      { cmd: 'exec_step', step_id: 's', driver: 'd', cfg_path: pick(escaping), inputs: {}, id },
      { cmd: 'cleanup', archive_path: pick(escaping), id },
      { cmd: 'cleanup', archive_path: `inside-${id}.tar`, id },
    ]);
  const lines: Sent[] = [];
  let nextId = 1;
  for (let i = 0; i < 2500; i++) {
    const id = nextId++;
    const kind = Math.floor(random() * 9);
    if (kind === 0) {
      // random characters, including quotes, braces, controls and non-BMP text (never a newline)
      const length = Math.floor(random() * 200);
      let text = '';
      for (let c = 0; c < length; c++) {
        const code = pick([0x20 + Math.floor(random() * 95), Math.floor(random() * 0x2ff), 0x1f600]);
        text += code === 10 ? ' ' : String.fromCodePoint(code);
      }
      if (text.trim() !== '') lines.push({ text, id: null });
    } else if (kind === 1) {
      // a valid request cut short: never valid JSON, so no id can be trusted
      const full = JSON.stringify(valid(id));
      lines.push({ text: full.slice(0, 1 + Math.floor(random() * (full.length - 2))), id: null });
    } else if (kind === 2) {
      lines.push({ text: JSON.stringify(pick(wrongValues)), id: null });
    } else if (kind === 3) {
      // one field of a valid request gets a wrong value
      const request = valid(id);
      const key = pick(Object.keys(request).filter((k) => k !== 'id' && k !== 'cmd'));
      request[key] = pick(wrongValues);
      lines.push({ text: JSON.stringify(request), id });
    } else if (kind === 4) {
      lines.push({ text: JSON.stringify({ cmd: pick(['', 'PING', 'exec', 'rm', '__proto__']), id }), id });
    } else if (kind === 5) {
      // id of the wrong type: answered, but without an id
      lines.push({
        text: JSON.stringify({ ...valid(id), id: pick(wrongValues.filter((v) => v !== 0)) }),
        id: null,
      });
    } else if (kind === 6) {
      lines.push({ text: JSON.stringify({ ...valid(id), extra: 1 }), id });
    } else {
      lines.push({ text: JSON.stringify(valid(id)), id });
    }
  }
  return lines;
}

describe('worker under hostile input (real dist/worker bundle)', () => {
  let outer: string;
  let sandbox: string;
  beforeAll(() => {
    if (!existsSync(join(WORKER_DIR, 'worker-main.mjs')))
      throw new Error('dist/worker is missing: run `npm run build`');
    outer = mkdtempSync(join(tmpdir(), 'osiris-worker-fuzz-'));
    sandbox = join(outer, 'sandbox');
    mkdirSync(sandbox);
    cpSync(WORKER_DIR, join(sandbox, 'worker'), { recursive: true });
    // a symlink inside the sandbox that points at the outer directory: paths through it must be refused
    symlinkSync(outer, join(sandbox, 'out'));
    writeFileSync(join(outer, 'bait.txt'), 'outside\n');
  });
  afterAll(() => rmSync(outer, { recursive: true, force: true }));

  it('answers every line exactly once, never crashes and never writes outside its directory', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const lines = buildLines(createSeededRandom(seed), outer);
    const huge = { text: `{"cmd":"ping","protocol":1,"id":7,"pad":"${'a'.repeat(CAP)}"}`, id: null };
    const all = [...lines.slice(0, 1000), huge, ...lines.slice(1000)];
    const before = listTree(outer, sandbox);

    const child = spawn(process.execPath, [join(sandbox, 'worker', 'worker-main.mjs')], {
      cwd: sandbox,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (const line of all) {
      if (!child.stdin.write(`${line.text}\n`)) await new Promise((r) => child.stdin.once('drain', r));
    }
    child.stdin.end();
    const code = await exited;

    expect(stderr, `seed ${seed}`).not.toMatch(/TypeError|RangeError|at file:|Unhandled/);
    expect(code, `seed ${seed}: ${stderr.slice(0, 500)}`).toBe(0);
    const answers = stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { id?: number | null; ok?: boolean; type?: string; error?: unknown })
      .filter((l) => l.type !== 'heartbeat');
    expect(answers.length, `seed ${seed}`).toBe(all.length);
    // in order: one answer per line, with the line's id when it had a readable one
    answers.forEach((answer, i) => {
      const sent = all[i] as Sent;
      expect(answer.id, `seed ${seed}, line ${i}: ${sent.text.slice(0, 120)}`).toBe(sent.id);
      if (!answer.ok)
        expect(answer.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    });
    const overflow = answers[1000] as { error?: { message: string } };
    expect(overflow.error?.message).toMatch(/longer than 67108864 bytes/);
    // nothing escaping was accepted; valid in-directory cleanups were
    all.forEach((sent, i) => {
      if (/escape|absolute|through-symlink|passwd/.test(sent.text))
        expect(answers[i]?.ok, sent.text).not.toBe(true);
    });
    expect(answers.some((a) => a.ok === true)).toBe(true);
    expect(listTree(outer, sandbox)).toEqual(before);
  }, 120_000);
});
