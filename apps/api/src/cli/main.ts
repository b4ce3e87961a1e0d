import { createProgram, runProgram } from '@facegate/face-core/cli';
import { addAuditCommands } from './audit-commands.ts';
import { addDatabaseCommands } from './database-commands.ts';
import { addDemoCommand } from './demo-command.ts';
import { addModelCommands } from './model-commands.ts';

const program = addDemoCommand(addAuditCommands(addModelCommands(addDatabaseCommands(createProgram()))));
program.description(
  'facegate: the face engine (encode, verify, identify, eval, bench), the API database (db, models, audit, demo) and a door (door)',
);
// `facegate door` and `facegate camera` are dispatched by bin/facegate.js to @facegate/client before this
// program loads (a door starts fast and face-core stays free of HTTP code); they are listed here so that
// `facegate --help` shows them.
for (const [name, description] of [
  ['door', 'play a door against a running API: send frames, complete a PIN, watch events (facegate door --help)'],
  ['camera', 'a door driven by a camera stream (RTSP, MJPEG, V4L2 or a file, through ffmpeg) (facegate camera --help)'],
] as const) {
  program
    .command(name)
    .description(description)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new Error(`facegate ${name} runs through the facegate command (bin/facegate.js): npx facegate ${name} --help`);
    });
}
await runProgram(program);
