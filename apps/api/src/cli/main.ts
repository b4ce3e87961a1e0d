import { createProgram, runProgram } from '@facegate/face-core/cli';
import { addAuditCommands } from './audit-commands.ts';
import { addDatabaseCommands } from './database-commands.ts';
import { addDemoCommand } from './demo-command.ts';
import { addModelCommands } from './model-commands.ts';

const program = addDemoCommand(addAuditCommands(addModelCommands(addDatabaseCommands(createProgram()))));
program.description(
  'facegate: the face engine (encode, verify, identify, eval, bench), the API database (db, models, audit, demo) and a door (door)',
);
// `facegate door` is dispatched by bin/facegate.js to @facegate/client before this program loads (a door
// starts fast and face-core stays free of HTTP code); it is listed here so that `facegate --help` shows it.
program
  .command('door')
  .description('play a door against a running API: send frames, complete a PIN, watch events (facegate door --help)')
  .allowUnknownOption()
  .allowExcessArguments()
  .action(() => {
    throw new Error('facegate door runs through the facegate command (bin/facegate.js): npx facegate door --help');
  });
program
  .command('camera')
  .description('a door driven by a camera stream (RTSP, MJPEG, V4L2 or a file, through ffmpeg) (facegate camera --help)')
  .allowUnknownOption()
  .allowExcessArguments()
  .action(() => {
    throw new Error('facegate camera runs through the facegate command (bin/facegate.js): npx facegate camera --help');
  });
await runProgram(program);
