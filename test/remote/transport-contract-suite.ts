// The transport contract (src/remote/transport.ts), as one suite run against every transport:
// `local`, `e2b` through the offline fake, and `e2b` live when E2B_API_KEY is set.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OsirisError } from '../../src/core/errors.js';
import type { Sandbox, SandboxProcess, SandboxRequest, Transport } from '../../src/remote/transport.js';

/** What a transport under test provides besides the transport itself. */
export interface TransportHarness {
  /** The transport. */
  transport: Transport;
  /** Template to ask for (ignored by local). */
  template: string | undefined;
  /** True once the sandbox is gone on the provider side (fake count, directory, provider API). */
  isGone(sandbox: Sandbox): Promise<boolean>;
  /** Extra checks after create (e.g. what the fake control plane received). */
  afterCreate?(sandbox: Sandbox, request: SandboxRequest): Promise<void> | void;
  /** Extra checks after start (e.g. the env the fake envd received). */
  afterStart?(sandbox: Sandbox, env: Record<string, string>): Promise<void> | void;
  /** Extra checks after keepAlive(ms). */
  afterKeepAlive?(sandbox: Sandbox, timeoutMs: number): Promise<void> | void;
  /** Release what the harness started. */
  close?(): Promise<void>;
}

/** A host variable that must never be visible inside a sandbox. */
export const CANARY_NAME = 'OSIRIS_TEST_CANARY';
export const CANARY_VALUE = 'canary-7f3e-host-env-must-not-leak';

/**
 * A JSON-lines echo program: answers each request line on stdout, logs on stderr, exits 7 when stdin
 * closes. Single quotes on purpose: the e2b transport must quote argv for `bash -c`.
 */
export const ECHO_PROGRAM = String.raw`
const fs = require('fs'); const crypto = require('crypto'); const path = require('path');
let seq = 0; let buf = '';
const send = (o) => process.stdout.write(JSON.stringify(o) + '\n');
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => {
  buf += c; let i;
  while ((i = buf.indexOf('\n')) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); handle(JSON.parse(line)); }
});
process.stdin.on('end', () => { process.stderr.write('stdin closed\n'); process.exit(7); });
function handle(m) {
  seq += 1;
  if (m.cmd === 'env') return send({ id: m.id, env: process.env, cwd: process.cwd() });
  if (m.cmd === 'hash') return send({ id: m.id, sha256: crypto.createHash('sha256').update(fs.readFileSync(m.path)).digest('hex') });
  if (m.cmd === 'write') {
    fs.mkdirSync(path.dirname(m.path), { recursive: true });
    fs.writeFileSync(m.path, Buffer.from(m.base64, 'base64'));
    return send({ id: m.id, ok: true });
  }
  if (m.cmd === 'big') return send({ id: m.id, text: 'ü€'.repeat(m.n) });
  send({ id: m.id, seq });
}
process.stderr.write('ready\n');
`;

/** Reassembles lines from arbitrary chunks, as the host's JSON-lines channel must. */
export function createLineCollector() {
  let rest = '';
  let chunks = 0;
  const lines: string[] = [];
  return {
    lines,
    chunks: () => chunks,
    text: () => lines.join('\n') + rest,
    onChunk(chunk: string): void {
      chunks += 1;
      rest += chunk;
      for (let i = rest.indexOf('\n'); i >= 0; i = rest.indexOf('\n')) {
        lines.push(rest.slice(0, i));
        rest = rest.slice(i + 1);
      }
    },
  };
}

type Lines = ReturnType<typeof createLineCollector>;
type Reply = Record<string, unknown> & { id: number };

async function ask(proc: SandboxProcess, out: Lines, message: Record<string, unknown> & { id: number }) {
  await proc.write(`${JSON.stringify(message)}\n`);
  return waitForReply(out, message.id);
}

async function waitForReply(out: Lines, id: number, timeout = 20_000): Promise<Reply> {
  return vi.waitFor(
    () => {
      const hit = out.lines.map((l) => JSON.parse(l) as Reply).find((r) => r.id === id);
      if (!hit) throw new Error(`no reply ${id} yet`);
      return hit;
    },
    { timeout, interval: 10 },
  );
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/** Register the contract tests for one transport. */
export function describeTransportContract(name: string, setup: () => Promise<TransportHarness>): void {
  describe(`transport contract: ${name}`, () => {
    let harness: TransportHarness;
    let sandbox: Sandbox | undefined;
    const request: SandboxRequest = {
      cpu: 2,
      memoryMb: 1024,
      timeoutMs: 120_000,
      template: undefined,
      metadata: { osiris_session: 'run_contract_0001', osiris_owner: 'transport-contract' },
    };
    const text = 'héllo wörld\nline 2 ✓\n';
    const allBytes = Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256));
    const big = randomBytes(8 * 1024 * 1024 + 123);
    // host files streamed by `source`: one above the transports' streaming threshold, one below it
    // made in beforeAll, not at collection: a suite skipped without its service must leave nothing behind
    let hostDir = '';
    let hostBig = '';
    let hostSmall = '';
    const hostBigBytes = randomBytes(12 * 1024 * 1024 + 7);

    beforeAll(async () => {
      hostDir = mkdtempSync(join(tmpdir(), 'osiris-upload-'));
      hostBig = join(hostDir, 'host-big.bin');
      hostSmall = join(hostDir, 'host-small.txt');
      writeFileSync(hostBig, hostBigBytes);
      writeFileSync(hostSmall, text);
      process.env[CANARY_NAME] = CANARY_VALUE;
      harness = await setup();
      request.template = harness.template;
    });
    afterAll(async () => {
      await sandbox?.kill().catch(() => undefined);
      await harness?.close?.();
      if (hostDir) rmSync(hostDir, { recursive: true, force: true });
      delete process.env[CANARY_NAME];
    });

    it('creates a sandbox with the requested settings', async () => {
      sandbox = await harness.transport.create(request);
      expect(sandbox.id).toBeTruthy();
      expect(sandbox.workDir.startsWith('/')).toBe(true);
      await harness.afterCreate?.(sandbox, request);
      expect(await harness.isGone(sandbox)).toBe(false);
    });

    it('uploads text, every byte value and an 8 MiB file, byte-exact', async () => {
      const sbx = sandbox as Sandbox;
      await sbx.upload([
        { path: 'hello.txt', data: text },
        { path: 'data/all-bytes.bin', data: allBytes },
        { path: 'data/big.bin', data: big },
        { path: 'empty.txt', data: '' },
      ]);
      expect((await readAll(await sbx.download('hello.txt'))).toString('utf8')).toBe(text);
      expect((await readAll(await sbx.download('data/all-bytes.bin'))).equals(allBytes)).toBe(true);
      expect(sha256(await readAll(await sbx.download('data/big.bin')))).toBe(sha256(big));
      expect((await readAll(await sbx.download('empty.txt'))).length).toBe(0);
    });

    it('streams host files (source) of any size into the sandbox, byte-exact', async () => {
      const sbx = sandbox as Sandbox;
      await sbx.upload([
        { path: 'host/big.bin', source: hostBig },
        { path: 'host/small.txt', source: hostSmall },
        { path: 'host/inline.txt', data: 'inline' },
      ]);
      expect(sha256(await readAll(await sbx.download('host/big.bin')))).toBe(sha256(hostBigBytes));
      expect((await readAll(await sbx.download('host/small.txt'))).toString('utf8')).toBe(text);
      expect((await readAll(await sbx.download('host/inline.txt'))).toString('utf8')).toBe('inline');
      const missing = await sbx
        .upload([{ path: 'host/none.bin', source: join(hostDir, 'does-not-exist') }])
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(OsirisError);
      expect((missing as OsirisError).code).toBe('io_error');
    });

    it('rejects a path outside the work directory and a missing download', async () => {
      const sbx = sandbox as Sandbox;
      await expect(sbx.upload([{ path: '../escape.txt', data: 'x' }])).rejects.toBeInstanceOf(OsirisError);
      const missing = await sbx
        .download('no/such/file.bin')
        .then(readAll)
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(OsirisError);
      expect((missing as OsirisError).code).toBe('io_error');
    });

    it('runs a JSON-lines program: ordered stdin, reassembled stdout, separate stderr, exit code', async () => {
      const sbx = sandbox as Sandbox;
      const out = createLineCollector();
      const err = createLineCollector();
      const env = { OSIRIS_TEST_VAR: 'visible', OSIRIS_SESSION: 'run_contract_0001' };
      const proc = await sbx.start(['node', '-e', ECHO_PROGRAM], env, {
        onStdout: (c) => out.onChunk(c),
        onStderr: (c) => err.onChunk(c),
      });
      await harness.afterStart?.(sbx, env);

      const envReply = (await ask(proc, out, { id: 1, cmd: 'env' })) as Reply & {
        env: Record<string, string>;
      };
      expect(envReply.env.OSIRIS_TEST_VAR).toBe('visible');
      expect(envReply.env[CANARY_NAME]).toBeUndefined();
      expect(JSON.stringify(envReply.env)).not.toContain(CANARY_VALUE);

      // The program sees the uploads relative to its cwd (the work directory).
      expect((await ask(proc, out, { id: 2, cmd: 'hash', path: 'data/big.bin' })).sha256).toBe(sha256(big));

      // 500 writes issued without awaiting: the contract delivers them in order.
      const writes = Array.from({ length: 500 }, (_, i) =>
        proc.write(`${JSON.stringify({ id: 1000 + i })}\n`),
      );
      await Promise.all(writes);
      await waitForReply(out, 1499);
      const ordered = out.lines.map((l) => JSON.parse(l) as Reply).filter((r) => r.id >= 1000);
      expect(ordered.map((r) => r.id)).toEqual(Array.from({ length: 500 }, (_, i) => 1000 + i));
      expect(ordered.map((r) => r.seq)).toEqual(Array.from({ length: 500 }, (_, i) => 3 + i));

      // A 300 KB line of multi-byte characters arrives in several chunks and is reassembled intact.
      const chunksBefore = out.chunks();
      const bigReply = await ask(proc, out, { id: 3, cmd: 'big', n: 50_000 });
      expect(bigReply.text).toBe('ü€'.repeat(50_000));
      expect(out.chunks() - chunksBefore).toBeGreaterThan(1);

      // A file the program writes comes back byte-exact.
      const produced = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
      await ask(proc, out, {
        id: 4,
        cmd: 'write',
        path: 'out/produced.bin',
        base64: produced.toString('base64'),
      });
      expect((await readAll(await sbx.download('out/produced.bin'))).equals(produced)).toBe(true);

      await proc.closeStdin();
      expect(await proc.exited).toBe(7);
      const late = await proc.write('{"id":5}\n').catch((e: unknown) => e);
      expect(late).toBeInstanceOf(OsirisError);
      expect((late as OsirisError).code).toBe('worker_lost');
      await vi.waitFor(() => expect(err.text()).toContain('stdin closed'), { timeout: 5_000 });
      expect(err.lines[0]).toBe('ready');
      expect(out.lines.every((l) => l.startsWith('{'))).toBe(true);
      expect(out.text()).not.toContain('ready');
    });

    it('kills a running process (exit null), idempotently', async () => {
      const sbx = sandbox as Sandbox;
      const proc = await sbx.start(
        ['node', '-e', 'setInterval(() => {}, 1000)'],
        {},
        {
          onStdout: () => undefined,
          onStderr: () => undefined,
        },
      );
      const started = Date.now();
      await proc.kill();
      await proc.kill();
      expect(await proc.exited).toBeNull();
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('renews the sandbox lifetime', async () => {
      await (sandbox as Sandbox).keepAlive(90_000);
      await harness.afterKeepAlive?.(sandbox as Sandbox, 90_000);
      expect(await harness.isGone(sandbox as Sandbox)).toBe(false);
    });

    it('kills the sandbox idempotently and leaves nothing behind', async () => {
      const sbx = sandbox as Sandbox;
      await sbx.kill();
      await sbx.kill();
      expect(await harness.isGone(sbx)).toBe(true);
      const after = await sbx.upload([{ path: 'late.txt', data: 'x' }]).catch((e: unknown) => e);
      expect(after).toBeInstanceOf(OsirisError);
      expect((after as OsirisError).code).toBe('worker_lost');
    });
  });
}
