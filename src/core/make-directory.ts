// The one filesystem helper in core, because every layer creates directories from user paths and Node's own
// `mkdir(path, { recursive: true })` never returns for a path inside procfs (/proc, or /dev/fd, which links
// there): the kernel answers ENOENT for a new child of a directory that exists, and Node retries forever at
// full CPU, deaf to signals. Creating one level at a time turns that answer into an error.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Create `dir` and its missing parents, one level at a time; throws Node's error (code set) on failure. */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let current = resolve(dir);
  while (statSync(current, { throwIfNoEntry: false }) === undefined) {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (missing.length === 0) {
    if (!statSync(current).isDirectory()) mkdirSync(current); // throws EEXIST, as Node's recursive mkdir
    return;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (error) {
      // Another process may create the same level meanwhile; a directory there is what we wanted.
      const raced = (error as NodeJS.ErrnoException).code === 'EEXIST' && statSync(level).isDirectory();
      if (!raced) throw error;
    }
  }
}
