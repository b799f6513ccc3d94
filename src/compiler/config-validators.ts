// Replaced at build time (scripts/build.mjs) by validators generated for the built-in components'
// config schemas: compiling a schema with Ajv costs ~17 ms each at run time, on every command's start.
import type { ValidateFunction } from 'ajv';

/** Ajv's options for config schemas: the same at build time and at run time. */
export const CONFIG_AJV_OPTIONS = {
  allErrors: true,
  useDefaults: true,
  verbose: true,
  strict: false,
  // checking a spec's schema against the meta-schema cost ~35 ms of every compile; the specs are
  // checked once, in test/drivers/component-specs.test.ts
  validateSchema: false,
} as const;

/**
 * Validators generated at build time, by their schema's JSON. Empty when running from source: each
 * schema is then compiled on first use.
 */
export const PRECOMPILED_VALIDATORS: ReadonlyMap<string, ValidateFunction> = new Map();
