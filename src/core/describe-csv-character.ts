/**
 * What is wrong with a CSV dialect character's value (`delimiter`, `quote`, `escape`), or undefined when it is
 * sound: one ASCII character other than CR, LF and NUL (which end lines or strings in every reader);
 * `optional` characters may also be empty (no quoting). The compiler reports it at the OML position,
 * the runtime for manifests built elsewhere.
 */
export function describeCsvCharacter(value: string, optional: boolean): string | undefined {
  if (value === '' && optional) return undefined;
  const code = value.length === 1 ? value.charCodeAt(0) : -1;
  if (code > 0 && code <= 0x7f && code !== 0x0a && code !== 0x0d) return undefined;
  return `must be ${optional ? 'empty or ' : ''}one ASCII character other than CR, LF and NUL (got ${JSON.stringify(value)})`;
}

/** The key whose character equals the delimiter (a quote or escape), or undefined. */
export function findCsvCharacterClash(dialect: {
  delimiter: string;
  quote: string;
  escape: string;
}): 'quote' | 'escape' | undefined {
  if (dialect.quote !== '' && dialect.quote === dialect.delimiter) return 'quote';
  if (dialect.quote !== '' && dialect.escape === dialect.delimiter) return 'escape';
  return undefined;
}
