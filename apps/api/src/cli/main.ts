import { createProgram, runProgram } from '@facegate/face-core/cli';
import { addAuditCommands } from './audit-commands.ts';
import { addDatabaseCommands } from './database-commands.ts';
import { addModelCommands } from './model-commands.ts';

await runProgram(addAuditCommands(addModelCommands(addDatabaseCommands(createProgram()))));
