// Temp directories of a test file, removed after the file's last test by test/support/remove-temp-dirs.ts
// (a vitest setup file), so no helper that makes one has to be paired with a cleanup by hand.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

/** A new directory under the run's temp dir, removed when the test file is done. */
export function createTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Remove every directory createTempDir made (chmod-proof: tests as root may have made them read-only). */
export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  made.clear();
}
