import type { DriverTable, Manifest } from '../core/index.js';

/**
 * Steps whose CSV output may stay the source file, unparsed (a pass-through hand-over): the component
 * offers it (`passThrough: 'source'`) and every step that reads the output is a writer whose loader may
 * take the file's bytes (`passThrough: 'loader'`). Each writer still decides per load whether the
 * file's dialect suits its loader; a query or any other reader makes the output typed.
 */
export function listPassThroughSources(manifest: Manifest, drivers: DriverTable): string[] {
  const consumers = new Map<string, string[]>();
  for (const step of manifest.steps)
    for (const need of new Set(step.needs))
      consumers.set(need, [...(consumers.get(need) ?? []), step.driver]);
  return manifest.steps
    .filter((step) => {
      const readers = consumers.get(step.id) ?? [];
      return (
        drivers.get(step.driver)?.spec.passThrough === 'source' &&
        readers.length > 0 &&
        readers.every((driver) => drivers.get(driver)?.spec.passThrough === 'loader')
      );
    })
    .map((step) => step.id);
}
