#!/usr/bin/env node
// Used by face-core's own CLI tests; the installed `facegate` command is apps/api/bin/facegate.js,
// which adds the database commands. The workspace runs from TypeScript source through tsx.
// As apps/api/bin/facegate.js: no telemetry, no compile cache in the temporary folder.
process.env.ORT_DISABLE_TELEMETRY ??= '1';
process.env.TSX_DISABLE_CACHE ??= '1';
const { register } = await import('tsx/esm/api');

register();
await import('../src/cli/main.ts');
