// Issue 8 §6, piece by piece: the request validator, the path confinement, the line cap of the splitter
// and the host end's tolerance of lines that are not protocol lines.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/remote/parse-request.js';
import { createHostProxy, createLineSplitter } from '../../src/remote/protocol.js';
import { resolveWorkPath } from '../../src/remote/resolve-work-path.js';
import { createWorkerChannel } from '../../src/remote/worker-channel.js';

describe('parseRequest', () => {
  it('accepts the requests the host sends', () => {
    for (const request of [
      { cmd: 'ping', protocol: 1, id: 1 },
      {
        cmd: 'prepare',
        manifest_path: 'manifest.yaml',
        install_deps: false,
        memory_limit: '1GB',
        threads: 2,
        dependencies: [{ name: '@duckdb/node-api', version: '1.0.0' }],
        id: 2,
        secrets: {
          connections: {
            'pg.main': { family: 'pg', alias: 'main', fields: { password: 'p' }, secrets: ['p'] },
          },
          connection_errors: { 'mysql.x': { code: 'connection_error', message: 'missing' } },
        },
      },
      {
        cmd: 'exec_step',
        step_id: 'w',
        driver: 'filesystem.csv_writer',
        cfg_path: 'cfg/w.json',
        inputs: { e: { from_step: 'e', key: 'df' } },
        id: 3,
      },
      { cmd: 'cleanup', archive_path: 'artifacts.tar', id: 4 },
    ]) {
      expect(parseRequest(JSON.stringify(request)), request.cmd).toEqual({ ok: true, request });
    }
  });

  it.each([
    ['null', null, /must be a JSON object, got null/],
    ['[1,2]', null, /got an array/],
    ['42', null, /got a number/],
    ['"ping"', null, /got a string/],
    ['{"cmd":"ping","protocol":1', null, /not valid JSON/],
    ['{"cmd":"ping","protocol":1}', null, /needs 'id'/],
    ['{"cmd":"ping","protocol":1,"id":-1}', null, /needs 'id'/],
    ['{"cmd":"ping","protocol":1,"id":"1"}', null, /needs 'id'/],
    ['{"cmd":"rm","id":5}', 5, /unknown command 'rm'/],
    ['{"cmd":"__proto__","id":5}', 5, /unknown command/],
    ['{"id":5}', 5, /unknown command undefined/],
    ['{"cmd":"ping","protocol":"1","id":6}', 6, /ping: field 'protocol'/],
    ['{"cmd":"ping","protocol":1,"id":6,"x":1}', 6, /unknown field 'x'/],
    ['{"cmd":"cleanup","id":7}', 7, /missing field 'archive_path'/],
    ['{"cmd":"cleanup","archive_path":null,"id":7}', 7, /field 'archive_path'/],
    ['{"cmd":"exec_step","step_id":"a","driver":"b","cfg_path":"c","inputs":[],"id":8}', 8, /inputs/],
    [
      '{"cmd":"exec_step","step_id":"a","driver":"b","cfg_path":"c","inputs":{"x":{"from_step":1}},"id":8}',
      8,
      /inputs/,
    ],
    [
      '{"cmd":"prepare","manifest_path":"m","install_deps":0,"memory_limit":"1GB","threads":1,"dependencies":[],"id":9}',
      9,
      /install_deps/,
    ],
    [
      '{"cmd":"prepare","manifest_path":"m","install_deps":false,"memory_limit":"1GB","threads":0,"dependencies":[],"id":9}',
      9,
      /threads/,
    ],
  ])('refuses %s (id %s)', (line, id, message) => {
    const parsed = parseRequest(line);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.id).toBe(id);
    expect(parsed.message).toMatch(message);
  });

  it('never echoes the text of a line it cannot parse (a torn prepare may hold a secret)', () => {
    const parsed = parseRequest('{"cmd":"prepare","secrets":{"connections":{"p":"TOPSECRET');
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed)).not.toContain('TOPSECRET');
  });
});

describe('resolveWorkPath', () => {
  let outer: string;
  let root: string;
  beforeAll(() => {
    outer = mkdtempSync(join(tmpdir(), 'osiris-workpath-'));
    root = join(outer, 'root');
    mkdirSync(join(root, 'cfg'), { recursive: true });
    writeFileSync(join(root, 'cfg', 'a.json'), '{}');
    writeFileSync(join(outer, 'secret.txt'), 'outside');
    symlinkSync(outer, join(root, 'up'));
    symlinkSync(join(outer, 'secret.txt'), join(root, 'cfg', 'link.json'));
    symlinkSync(join(outer, 'target.tar'), join(root, 'archive.tar'));
  });
  afterAll(() => rmSync(outer, { recursive: true, force: true }));

  it('returns the real path of files inside the directory', () => {
    expect(resolveWorkPath(root, 'cfg/a.json', 'cfg_path', 'read')).toBe(join(root, 'cfg', 'a.json'));
    expect(resolveWorkPath(root, 'new.tar', 'archive_path', 'write')).toBe(join(root, 'new.tar'));
  });

  it.each([
    ['../secret.txt', 'read', /climbs with '\.\.'/],
    ['cfg/../../secret.txt', 'read', /climbs/],
    ['up/../x.tar', 'write', /climbs/],
    ['/etc/passwd', 'read', /is absolute/],
    ['up/secret.txt', 'read', /through a symlink/],
    ['cfg/link.json', 'read', /through a symlink/],
    ['up/new.tar', 'write', /through a symlink/],
    ['archive.tar', 'write', /not a regular file/],
    ['missing/x.tar', 'write', /does not exist/],
    ['cfg/none.json', 'read', /does not exist/],
    ['a\0b', 'read', /NUL/],
    ['', 'read', /empty/],
  ] as const)('refuses %s for %s', (path, access, message) => {
    expect(() => resolveWorkPath(root, path, 'field', access)).toThrow(message);
  });
});

describe('line cap', () => {
  it('drops a line over the cap as it streams and reports it once, then goes on', () => {
    const lines: string[] = [];
    const overflows: number[] = [];
    const splitter = createLineSplitter((l) => lines.push(l), {
      maxLineBytes: 100,
      onOverflow: (n) => overflows.push(n),
    });
    splitter.push('{"a":1}\n');
    for (let i = 0; i < 10; i++) splitter.push('x'.repeat(50));
    splitter.push('y\n{"b":2}\n');
    splitter.push(`${'€'.repeat(34)}\n`); // 102 bytes in 34 characters: counted in bytes
    splitter.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
    expect(overflows).toEqual([501, 102]);
  });
});

describe('host end of the channel', () => {
  it('ignores lines that are not protocol lines instead of throwing', () => {
    const logged: string[] = [];
    const channel = createWorkerChannel({
      host: {
        event: () => undefined,
        metric: () => undefined,
        log: () => undefined,
        heartbeat: () => undefined,
      },
      log: { info: () => undefined, warn: (m) => logged.push(m), debug: (m) => logged.push(m) },
      lossMs: 60_000,
      onLost: () => undefined,
    });
    for (const line of ['null', '[1]', '7', '{"id":"x","ok":true}', '{"type":"log","level":"evil"}'])
      expect(() => channel.push(`${line}\n`)).not.toThrow();
    channel.push('{"id":null,"ok":false,"error":{"code":"protocol_error","message":"bad line"}}\n');
    channel.close();
    expect(logged.filter((l) => /not a protocol line/.test(l))).toHaveLength(5);
    expect(logged).toContain('worker refused a line: [protocol_error] bad line');
  });

  it("delivers each notification as the worker's HostApi call, with the sink's own arguments", () => {
    const calls: unknown[][] = [];
    const logged: string[] = [];
    const channel = createWorkerChannel({
      host: {
        event: (...args) => calls.push(['event', ...args]),
        metric: (...args) => calls.push(['metric', ...args]),
        log: (...args) => calls.push(['log', ...args]),
        heartbeat: (...args) => calls.push(['heartbeat', ...args]),
      },
      log: { info: () => undefined, warn: (m) => logged.push(m), debug: (m) => logged.push(m) },
      lossMs: 60_000,
      onLost: () => undefined,
    });
    // what the worker writes: one line per HostApi call
    const worker = createHostProxy((line) => channel.push(`${JSON.stringify(line)}\n`));
    worker.event('step_start', { step_id: 's', driver: 'duckdb.processor' });
    worker.metric('rows_read', 3, { step_id: 's' });
    worker.log('warn', 'careful');
    worker.heartbeat(7);
    // a metric the catalogue does not know has no unit for the session: not a protocol line
    channel.push('{"type":"metric","metric":"made_up","value":1,"options":{}}\n');
    channel.close();
    expect(calls).toEqual([
      ['event', 'step_start', { step_id: 's', driver: 'duckdb.processor' }],
      ['metric', 'rows_read', 3, { step_id: 's' }],
      ['log', 'warn', 'careful'],
      ['heartbeat', 7],
    ]);
    expect(logged.filter((l) => /not a protocol line/.test(l))).toHaveLength(1);
  });
});
