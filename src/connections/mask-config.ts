import type { Masker } from '../core/mask.js';
import { maskStructure } from '../core/mask-structure.js';

export { maskConnectionStrings } from '../core/mask.js';

/**
 * Deep copy of a configuration safe to show (`connections list`, reports): every secret-looking key
 * and every key in `secretKeys` (a plain name at any depth, a dotted path such as `auth.token` from the
 * root) becomes `***MASKED***` whatever its length; DSN/URL passwords are masked; `mask` runs over the
 * other string values (see maskStructure).
 */
export function maskConfig(value: unknown, secretKeys: readonly string[], mask: Masker): unknown {
  return maskStructure(value, mask, { secretKeys });
}
