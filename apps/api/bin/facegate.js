#!/usr/bin/env node
// The facegate command: face-core's commands plus the database ones. Runs the TypeScript sources via tsx.
import { register } from 'tsx/esm/api';

register();
if (process.argv[2] === 'door') {
  // `facegate door` plays a door over HTTP with @facegate/client; dispatched here, before face-core's
  // program loads, so a door starts fast and face-core never depends on HTTP code.
  const { doorCommand, runDoorCommand } = await import('@facegate/client/cli');
  await runDoorCommand(doorCommand('facegate door'), [...process.argv.slice(0, 2), ...process.argv.slice(3)]);
} else {
  await import('../src/cli/main.ts');
}
