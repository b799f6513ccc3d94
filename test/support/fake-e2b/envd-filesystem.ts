// Fake envd `filesystem.Filesystem`: Stat, ListDir, MakeDir, Remove, Move on the sandbox's host directory.
import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir, readlink, rename, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { Code, ConnectError } from '@connectrpc/connect';
import type { HandlerContext } from '@connectrpc/connect';
import { requireRpcSandbox } from './envd-process.js';
import type { FakeSandbox, FakeState } from './fake-state.js';
import { resolveSandboxPath, toHostPath } from './fake-state.js';

const FILE_TYPE = { file: 1, directory: 2, symlink: 3 } as const;

/** Implementation of `filesystem.Filesystem` over the fake's state. */
export function createFilesystemService(state: FakeState) {
  return {
    async stat(req: { path: string }, ctx: HandlerContext) {
      const sandbox = requireRpcSandbox(state, ctx);
      return { entry: await describeEntry(sandbox, resolveSandboxPath(req.path)) };
    },
    async listDir(req: { path: string; depth: number }, ctx: HandlerContext) {
      const sandbox = requireRpcSandbox(state, ctx);
      const root = resolveSandboxPath(req.path);
      const info = await statOrNotFound(sandbox, root);
      if (!info.isDirectory())
        throw new ConnectError(`path '${root}' is not a directory`, Code.InvalidArgument);
      const entries: Awaited<ReturnType<typeof describeEntry>>[] = [];
      const walk = async (dir: string, depth: number): Promise<void> => {
        for (const name of (await readdir(toHostPath(sandbox, dir))).sort()) {
          const entry = await describeEntry(sandbox, posix.join(dir, name));
          entries.push(entry);
          if (entry.type === FILE_TYPE.directory && depth > 1) await walk(entry.path, depth - 1);
        }
      };
      await walk(root, Math.max(1, req.depth || 1));
      return { entries };
    },
    async makeDir(req: { path: string }, ctx: HandlerContext) {
      const sandbox = requireRpcSandbox(state, ctx);
      const path = resolveSandboxPath(req.path);
      if (await lstat(toHostPath(sandbox, path)).catch(() => undefined)) {
        throw new ConnectError(`path '${path}' already exists`, Code.AlreadyExists);
      }
      await mkdir(toHostPath(sandbox, path), { recursive: true });
      return { entry: await describeEntry(sandbox, path) };
    },
    async remove(req: { path: string }, ctx: HandlerContext) {
      const sandbox = requireRpcSandbox(state, ctx);
      const path = resolveSandboxPath(req.path);
      await statOrNotFound(sandbox, path);
      await rm(toHostPath(sandbox, path), { recursive: true, force: true });
      return {};
    },
    async move(req: { source: string; destination: string }, ctx: HandlerContext) {
      const sandbox = requireRpcSandbox(state, ctx);
      const source = resolveSandboxPath(req.source);
      const destination = resolveSandboxPath(req.destination);
      await statOrNotFound(sandbox, source);
      await mkdir(posix.dirname(toHostPath(sandbox, destination)), { recursive: true });
      await rename(toHostPath(sandbox, source), toHostPath(sandbox, destination));
      return { entry: await describeEntry(sandbox, destination) };
    },
  };
}

async function statOrNotFound(sandbox: FakeSandbox, path: string): Promise<Stats> {
  const info = await lstat(toHostPath(sandbox, path)).catch(() => undefined);
  if (!info) throw new ConnectError(`no such file or directory: '${path}'`, Code.NotFound);
  return info;
}

async function describeEntry(sandbox: FakeSandbox, path: string) {
  const info = await statOrNotFound(sandbox, path);
  const type = info.isSymbolicLink()
    ? FILE_TYPE.symlink
    : info.isDirectory()
      ? FILE_TYPE.directory
      : FILE_TYPE.file;
  const symlinkTarget =
    type === FILE_TYPE.symlink ? { symlinkTarget: await readlink(toHostPath(sandbox, path)) } : {};
  return {
    name: posix.basename(path),
    type,
    path,
    size: BigInt(info.size),
    mode: info.mode & 0o777,
    permissions: renderPermissions(info.mode, type === FILE_TYPE.directory),
    owner: 'user',
    group: 'user',
    modifiedTime: {
      seconds: BigInt(Math.floor(info.mtimeMs / 1000)),
      nanos: Math.floor((info.mtimeMs % 1000) * 1e6),
    },
    ...symlinkTarget,
  };
}

function renderPermissions(mode: number, directory: boolean): string {
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (mode & (1 << (8 - i)) ? c : '-'))
    .join('');
  return `${directory ? 'd' : '-'}${bits}`;
}
