import { createProgram, runProgram } from '@facegate/face-core/cli';
import { addDatabaseCommands } from './database-commands.ts';

await runProgram(addDatabaseCommands(createProgram()));
