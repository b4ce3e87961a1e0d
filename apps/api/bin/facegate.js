#!/usr/bin/env node
// The facegate command: face-core's commands plus the database ones. Runs the TypeScript sources via tsx.
// Nothing is written outside the data directory: no ONNX Runtime telemetry (set before it loads), and no
// tsx compile cache in the temporary folder (it costs about 0.2 s per command). Both before tsx loads.
process.env.ORT_DISABLE_TELEMETRY ??= '1';
process.env.TSX_DISABLE_CACHE ??= '1';
const { register } = await import('tsx/esm/api');

register();
if (process.argv[2] === 'door') {
  // `facegate door` plays a door over HTTP with @facegate/client; dispatched here, before face-core's
  // program loads, so a door starts fast and face-core never depends on HTTP code.
  const { doorCommand, runDoorCommand } = await import('@facegate/client/cli');
  await runDoorCommand(doorCommand('facegate door'), [...process.argv.slice(0, 2), ...process.argv.slice(3)]);
} else if (process.argv[2] === 'camera') {
  // `facegate camera`: a door driven by a camera stream (ffmpeg, face-core's detector, @facegate/client).
  const { runDoorCommand } = await import('@facegate/client/cli');
  const { cameraCommand } = await import('@facegate/client/camera');
  await runDoorCommand(cameraCommand('facegate camera'), [...process.argv.slice(0, 2), ...process.argv.slice(3)]);
} else {
  await import('../src/cli/main.ts');
}
