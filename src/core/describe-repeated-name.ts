/**
 * What repeats among column names, compared without case as the data plane (DuckDB) compares them:
 * `column 'a' twice`, `columns 'a' and 'A' (names are compared without case)`, or undefined.
 */
export function describeRepeatedName(names: Iterable<string>): string | undefined {
  const seen = new Map<string, string>();
  for (const name of names) {
    const earlier = seen.get(name.toLowerCase());
    if (earlier === name) return `column '${name}' twice`;
    if (earlier !== undefined) return `columns '${earlier}' and '${name}' (names are compared without case)`;
    seen.set(name.toLowerCase(), name);
  }
  return undefined;
}
