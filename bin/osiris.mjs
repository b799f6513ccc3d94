#!/usr/bin/env node
// From Node 22.1 on, the modules loaded after this call keep their compiled code in Node's on-disk cache
// (under the system temp directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so later starts skip
// compiling the CLI's JavaScript. Node 20 has no such cache: the call is skipped.
import module from 'node:module';

module.enableCompileCache?.();
await import('../dist/osiris.mjs');
