// vitest setup file: after each test file, remove the temp directories its helpers made (temp-dirs.ts).
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dirs.js';

afterAll(() => removeTempDirs());
