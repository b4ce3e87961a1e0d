#!/usr/bin/env node
// The facegate command: face-core's commands plus the database ones. Runs the TypeScript sources via tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
