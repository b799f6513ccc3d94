// Enforces the dependency rule of docs/architecture.md: which src/ folder may import which. Runs against the real source tree.
import { describe, expect, it } from 'vitest';
import { findBackwardImports, scanImports } from './scan-imports.js';

describe('folder dependency rule', () => {
  it('src/ has no backward import', () => {
    expect(findBackwardImports(scanImports('src'))).toEqual([]);
  });

  it('detects a backward import (core importing session)', () => {
    const violations = findBackwardImports([{ file: 'src/core/x.ts', specifier: '../session/y.js' }]);
    expect(violations).toEqual(['src/core/x.ts imports ../session/y.js (core may import: core)']);
  });

  it('detects a third-party runtime import in core and a client library outside its driver file', () => {
    const violations = findBackwardImports([
      { file: 'src/core/x.ts', specifier: 'yaml' },
      { file: 'src/runtime/x.ts', specifier: 'mysql2/promise' },
    ]);
    expect(violations).toHaveLength(2);
  });
});
