import { createHash } from 'node:crypto';

/** `sha256:<hex>` of a text or bytes. */
export function createFingerprint(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
