#!/usr/bin/env node
// facegate-door: plays a door against a facegate API. Runs the TypeScript sources via tsx, like `facegate`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
