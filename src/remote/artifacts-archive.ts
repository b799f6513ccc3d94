import { createReadStream, createWriteStream, lstatSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { makeDirectory, OsirisError } from '../core/index.js';

/** Counts of an archive written or read. */
export interface ArchiveStats {
  /** Files in the archive. */
  files: number;
  /** Bytes of file content. */
  bytes: number;
}

function listFiles(dir: string, prefix: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.sort().flatMap((name) => {
    const path = join(dir, name);
    // lstat: a symlink is never followed, so nothing outside the work directory can ride along
    const info = lstatSync(path);
    if (info.isDirectory()) return listFiles(path, `${prefix}${name}/`);
    return info.isFile() ? [`${prefix}${name}`] : [];
  });
}

/**
 * One tar stream with `artifacts/**` and `project/<output file>`: binary-safe, streamed file by file,
 * so artifacts of any size come back in one download.
 */
export async function writeArtifactsArchive(
  root: string,
  outputFiles: readonly string[],
  archivePath: string,
): Promise<ArchiveStats> {
  const entries = [
    ...listFiles(join(root, 'artifacts'), 'artifacts/'),
    ...outputFiles.map((f) => `project/${f}`),
  ];
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(archivePath));
  const stats: ArchiveStats = { files: 0, bytes: 0 };
  for (const name of entries) {
    const path = join(root, name);
    const info = lstatSync(path);
    if (!info.isFile())
      throw new OsirisError('io_error', `${name} is not a regular file; it is not archived`);
    const size = info.size;
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name, size, mode: 0o644 }, (error) => (error ? reject(error) : resolve()));
      createReadStream(path).on('error', reject).pipe(entry);
    });
    stats.files++;
    stats.bytes += size;
  }
  pack.finalize();
  await done;
  return stats;
}

function resolveTarget(name: string, targets: { sessionDir: string; projectDir: string }): string {
  const clean = normalize(name);
  if (clean.startsWith('..') || clean.startsWith(sep) || clean.includes(`${sep}..${sep}`)) {
    throw new OsirisError('io_error', `artifact archive entry escapes its directory: ${name}`);
  }
  if (clean.startsWith(`artifacts${sep}`)) return join(targets.sessionDir, clean);
  if (clean.startsWith(`project${sep}`)) return join(targets.projectDir, clean.slice('project'.length + 1));
  throw new OsirisError('io_error', `unexpected artifact archive entry: ${name}`);
}

/** Extract an archive stream: artifacts into the session, project files into the host project dir. */
export async function readArtifactsArchive(
  source: AsyncIterable<Uint8Array>,
  targets: { sessionDir: string; projectDir: string },
): Promise<ArchiveStats> {
  const extract = tar.extract();
  const stats: ArchiveStats = { files: 0, bytes: 0 };
  const feeding = pipeline(Readable.from(source), extract);
  for await (const entry of extract) {
    if (entry.header.type !== 'file')
      throw new OsirisError('io_error', `artifact archive entry ${entry.header.name} is not a regular file`);
    const target = resolveTarget(entry.header.name, targets);
    makeDirectory(dirname(target));
    // Temp + rename, named as the CSV writer names its temp files: a host killed mid-download leaves
    // no half file under the real name, and the dead-session sweep finds the temp by the host's pid.
    const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
    try {
      await pipeline(entry, createWriteStream(temp));
      renameSync(temp, target);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    stats.files++;
    stats.bytes += entry.header.size ?? 0;
  }
  await feeding;
  return stats;
}
