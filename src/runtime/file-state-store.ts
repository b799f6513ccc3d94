import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { StateKey, StateRecord, StateStore } from '../core/index.js';
import { makeDirectory, OsirisError } from '../core/index.js';

/** Where file writers' state lives, under the project directory. */
export const STATE_DIR = '.osiris/state';

/**
 * The state of writers that have no transaction (file writers): `.osiris/state/<pipeline>/<writer>.json`
 * under the project directory, one file per writer holding a record per incremental extractor. A file
 * is replaced whole (a synced temp file renamed over it), so a reader sees the old records or the new.
 */
export function createFileStateStore(projectDir: string): StateStore {
  const root = join(projectDir, STATE_DIR);
  const location = STATE_DIR;
  const fileOf = (pipelineId: string, writerStep: string): string =>
    join(root, pipelineId, `${writerStep}.json`);
  const readFile = (path: string): StateRecord[] => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return [];
    }
    try {
      const records = JSON.parse(text) as StateRecord[];
      if (!Array.isArray(records)) throw new Error('not a list');
      return records;
    } catch {
      throw new OsirisError(
        'config_error',
        `${path}: not a state file Osiris wrote; delete it (osiris state reset)`,
      );
    }
  };
  const replaceFile = (path: string, records: readonly StateRecord[]): void => {
    if (records.length === 0) {
      rmSync(path, { force: true });
      return;
    }
    makeDirectory(join(path, '..'));
    const temp = `${path}.${process.pid}.tmp`;
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, `${JSON.stringify(records, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  };
  return {
    location,
    async list(pipelineId) {
      let names: string[];
      try {
        names = readdirSync(join(root, pipelineId))
          .filter((n) => n.endsWith('.json'))
          .sort();
      } catch {
        return [];
      }
      return names.flatMap((n) => readFile(join(root, pipelineId, n)));
    },
    async reset(key: StateKey) {
      const path = fileOf(key.pipelineId, key.writerStep);
      const records = readFile(path);
      const kept = records.filter((r) => r.extractorStep !== key.extractorStep);
      if (kept.length !== records.length) replaceFile(path, kept);
      return records.length - kept.length;
    },
    async write(records) {
      const byWriter = new Map<string, StateRecord[]>();
      for (const r of records) {
        const path = fileOf(r.pipelineId, r.writerStep);
        byWriter.set(path, [...(byWriter.get(path) ?? []), r]);
      }
      for (const [path, fresh] of byWriter) {
        const replaced = new Set(fresh.map((r) => r.extractorStep));
        const kept = readFile(path).filter((r) => !replaced.has(r.extractorStep));
        replaceFile(
          path,
          [...kept, ...fresh].sort((a, b) => a.extractorStep.localeCompare(b.extractorStep)),
        );
      }
    },
    async close() {},
  };
}
