import { doorCommand, runDoorCommand } from './door-command.ts';

await runDoorCommand(doorCommand('facegate-door'));
