import type { ResolvedConnection } from '../index.js';
import { OsirisError, createMasker, describeError, parseConnectionRef, probeConnection } from '../index.js';
import type { CliIo } from './cli-io.js';
import { loadIoConnections, printJson, resolveIoProject } from './cli-io.js';

/** One connection's probe result. */
export interface DoctorEntry {
  connection: string;
  ok: boolean;
  latency_ms?: number;
  server_version?: string;
  error?: { code: string; message: string };
  skipped?: string;
}

/** What `connections doctor --json` prints (and the MCP tool returns); `lookedFor` is for the text output. */
export interface DoctorReport {
  json: { ok: boolean; file: string | null; connections: DoctorEntry[] };
  lookedFor: string[];
}

/** Probe each connection (or the one named): latency or a masked error per connection. */
export async function runDoctorProbes(
  io: CliIo,
  ref: string | undefined,
  opts: { connections?: string; timeout: string },
): Promise<DoctorReport> {
  const registry = loadIoConnections(io, opts.connections);
  const wanted = ref === undefined ? undefined : parseConnectionRef(ref);
  if (ref !== undefined && !wanted)
    throw new OsirisError('usage', `expected a connection reference like @postgres.main, got '${ref}'`);
  const targets = registry
    .list()
    .filter((c) => !wanted || (c.family === wanted.family && c.alias === wanted.alias))
    .map((c) => ({ family: c.family, alias: c.alias }));
  if (wanted && targets.length === 0) registry.resolve(wanted.family, wanted.alias); // throws the lookup's own error
  const timeoutMs = Number(opts.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new OsirisError('usage', `--timeout expects seconds (> 0), got '${opts.timeout}'`);

  const resolved: Array<{ name: string; connection?: ResolvedConnection; error?: unknown }> = targets.map(
    ({ family, alias }) => {
      const name = `@${family}.${alias}`;
      try {
        return { name, connection: registry.resolve(family, alias) };
      } catch (error) {
        return { name, error };
      }
    },
  );
  const mask = createMasker(resolved.flatMap((r) => r.connection?.secrets ?? []));
  const entries: DoctorEntry[] = [];
  for (const r of resolved) {
    if (!r.connection) {
      const d = describeError(r.error);
      entries.push({ connection: r.name, ok: false, error: { code: d.code, message: mask(d.message) } });
      continue;
    }
    const probe = await probeConnection(r.connection, timeoutMs, resolveIoProject(io).root);
    if (!probe)
      entries.push({ connection: r.name, ok: true, skipped: 'no server to contact for this family' });
    else
      entries.push({
        connection: r.name,
        ok: probe.ok,
        latency_ms: probe.latencyMs,
        ...(probe.serverVersion ? { server_version: probe.serverVersion } : {}),
        ...(probe.ok
          ? {}
          : {
              error: { code: probe.errorCode ?? 'connection_error', message: mask(probe.error ?? 'failed') },
            }),
      });
  }
  const ok = entries.every((e) => e.ok);
  return { json: { ok, file: registry.file ?? null, connections: entries }, lookedFor: registry.lookedFor };
}

/** `connections doctor [@family.alias]`: connect, run a trivial query, report latency or a masked error. */
export async function runConnectionsDoctor(
  io: CliIo,
  ref: string | undefined,
  opts: { connections?: string; json?: boolean; timeout: string },
): Promise<number> {
  const { json, lookedFor } = await runDoctorProbes(io, ref, opts);
  const { ok, connections: entries } = json;
  if (opts.json) printJson(io, json);
  else if (entries.length === 0)
    io.stdout.write(`no connections (${json.file ?? `looked for ${lookedFor.join(', ')}`})\n`);
  else {
    for (const e of entries) {
      const detail =
        e.skipped ??
        (e.ok
          ? `${e.latency_ms} ms${e.server_version ? `  ${e.server_version}` : ''}`
          : `[${e.error?.code}] ${e.error?.message}`);
      io.stdout.write(`${e.ok ? '✓' : '✗'} ${e.connection.padEnd(28)} ${detail}\n`);
    }
  }
  return ok ? 0 : 1;
}
