import type { ComponentSpec } from '../core/component-spec.js';
import { isSecretKey } from '../core/is-secret-key.js';
import { isPlainObject } from './parse-oml.js';
import type { PathSegment } from './parse-oml.js';

/** One secret written inline in a config. */
export interface InlineSecret {
  /** Path inside config. */
  segments: PathSegment[];
}

/**
 * Every place where a config holds a literal under a secret field of the spec or a secret-looking key, at any depth.
 * A mapping under such a key is searched further rather than refused; null means "not set" and passes.
 */
export function findInlineSecrets(config: Record<string, unknown>, spec: ComponentSpec): InlineSecret[] {
  const declared = new Set(spec.secrets);
  const found: InlineSecret[] = [];
  const visit = (node: unknown, at: PathSegment[], dotted: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, [...at, i], dotted));
      return;
    }
    if (!isPlainObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const path = dotted === '' ? key : `${dotted}.${key}`;
      const secretKey = declared.has(path) || isSecretKey(key);
      if (secretKey && value !== null && !isPlainObject(value)) found.push({ segments: [...at, key] });
      else visit(value, [...at, key], path);
    }
  };
  visit(config, [], '');
  return found;
}
