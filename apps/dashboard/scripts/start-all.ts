// Starts the facegate API (apps/api `npm start`) and the dashboard (built if needed, then `next start`)
// pointing at it, prints both addresses, and stops both on Ctrl-C.
//
//   HOST (127.0.0.1), PORT (API, 4000), DASHBOARD_PORT (3000), plus the API's own variables
//   (DATABASE_URL, FACEGATE_ADMIN_EMAIL, FACEGATE_ADMIN_PASSWORD, ...), which are passed through.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { dashboardDir, ensureBuild, nextBin } from './ensure-build.ts';

const host = process.env.HOST ?? '127.0.0.1';
const apiPort = Number(process.env.PORT ?? 4000);
const dashboardPort = Number(process.env.DASHBOARD_PORT ?? 3000);
const apiUrl = process.env.FACEGATE_API_URL ?? `http://${host}:${apiPort}/graphql`;
const repoRoot = path.resolve(dashboardDir, '../..');
const children: ChildProcess[] = [];

function prefixed(child: ChildProcess, label: string) {
  const write = (stream: NodeJS.WriteStream) => (data: Buffer) => {
    for (const line of data.toString().split('\n')) if (line.trim()) stream.write(`[${label}] ${line}\n`);
  };
  child.stdout?.on('data', write(process.stdout));
  child.stderr?.on('data', write(process.stderr));
}

let stopping = false;
function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  // Each child leads its own process group (npm -> sh -> tsx -> node): signal the whole group.
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
  }
  setTimeout(() => process.exit(code), 3000).unref();
  // Exit as soon as every child is gone.
  const check = setInterval(() => children.every((c) => c.exitCode !== null || c.signalCode !== null) && process.exit(code), 100);
  check.unref();
}

async function waitForApi(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(apiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (children[0]?.exitCode !== null && children[0]?.exitCode !== undefined)
      throw new Error(`the API stopped (exit ${children[0].exitCode})`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the API did not answer at ${apiUrl} within ${timeoutMs / 1000} s`);
}

process.once('SIGINT', () => stopAll(0));
process.once('SIGTERM', () => stopAll(0));

try {
  const api = spawn('npm', ['start', '-w', '@facegate/api'], {
    cwd: repoRoot,
    env: { ...process.env, HOST: host, PORT: String(apiPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(api);
  prefixed(api, 'api');
  // Build while the API loads its models.
  await ensureBuild((line) => console.info(`[dashboard] ${line}`));
  await waitForApi(120_000);
  const dashboard = spawn(process.execPath, [nextBin(), 'start', '-p', String(dashboardPort), '-H', host], {
    cwd: dashboardDir,
    env: { ...process.env, FACEGATE_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1', PORT: String(dashboardPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(dashboard);
  prefixed(dashboard, 'dashboard');
  for (const [child, name] of [
    [api, 'API'],
    [dashboard, 'dashboard'],
  ] as const) {
    child.on('exit', (code) => {
      if (!stopping) console.error(`the ${name} stopped (exit ${code}); stopping everything`);
      stopAll(code ?? 1);
    });
  }
  console.info(`\nfacegate is running:\n  dashboard  http://${host}:${dashboardPort}\n  API        ${apiUrl}\nCtrl-C stops both.\n`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  stopAll(1);
}
