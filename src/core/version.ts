/** Version of Osiris (kept equal to package.json by a test); part of compiler_fp. */
export const OSIRIS_VERSION = '0.1.0';
