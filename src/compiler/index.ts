export { compileOml, validateOml } from './compile-oml.js';
export type { CompileInput, CompileOutput, CompiledCfg, ValidateInput } from './compile-oml.js';
export { NAME_LIMITS } from './name-limits.js';
export { parseManifest } from './parse-manifest.js';
export { PARAM_ENV_PREFIX } from './resolve-params.js';
export type { ParamValue } from './resolve-params.js';
export { verifyManifest } from './verify-manifest.js';
export type { ManifestOnDisk } from './verify-manifest.js';
export {
  createCfgPath,
  createManifestFingerprint,
  createPipelineId,
  createRegistryFingerprint,
  writeManifestText,
} from './write-manifest.js';
