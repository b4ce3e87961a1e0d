import { createProgram, runProgram } from '@facegate/face-core/cli';
import { addDatabaseCommands } from './database-commands.ts';
import { addModelCommands } from './model-commands.ts';

await runProgram(addModelCommands(addDatabaseCommands(createProgram())));
