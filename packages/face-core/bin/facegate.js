#!/usr/bin/env node
// The workspace is used from TypeScript source: tsx compiles it on the fly.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
