#!/usr/bin/env node
import '../dist/osiris.mjs';
