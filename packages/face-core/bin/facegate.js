#!/usr/bin/env node
// Used by face-core's own CLI tests; the installed `facegate` command is apps/api/bin/facegate.js,
// which adds the database commands. The workspace runs from TypeScript source through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
