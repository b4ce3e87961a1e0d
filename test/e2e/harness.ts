import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { dashboardDir, ensureBuild, nextBin } from '../../apps/dashboard/scripts/ensure-build.ts';
import { freePort } from '../integration/free-port.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
export const VIEWER = { email: 'viewer@facegate.test', password: 'viewer password 1' };

async function waitFor(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start stopped (exit ${child.exitCode}):\n${output()}`);
    try {
      const response = await fetch(url, { redirect: 'manual' });
      if (response.status < 500) return;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the dashboard did not answer at ${url} within ${timeoutMs / 1000} s:\n${output()}`);
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Debian's Chromium with the harness's flags, plus `extraArgs` for the tests that need more (e.g. a
 * fake camera fed from a file: only the webcam tests launch one of those).
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * The API (in this process, temp SQLite, an admin and a viewer), the dashboard (`next start`) and Chromium.
 * `env` adds API settings (e.g. webhook retries short enough to fail within a test); a function is
 * given the dashboard's address first (single sign-on's redirect URI names it).
 */
export async function startStack(
  options: { env?: Record<string, string> | ((dashboardUrl: string) => Promise<Record<string, string>>) } = {},
) {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the browser tests need Debian's chromium (apt-get install -y chromium)`);
  await ensureBuild();
  const dir = await mkdtemp(path.join(tmpdir(), 'facegate-e2e-'));
  const port = await freePort();
  // Passkeys are bound to the dashboard's host name: `localhost` (WebAuthn takes no IP address as RP ID).
  const passkeyUrl = `http://localhost:${port}`;
  const env = typeof options.env === 'function' ? await options.env(`http://127.0.0.1:${port}`) : options.env;
  const app: App = await createApp(
    loadConfig({
      DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`,
      FACEGATE_ADMIN_EMAIL: ADMIN.email,
      FACEGATE_ADMIN_PASSWORD: ADMIN.password,
      FACEGATE_RECOGNIZER_THREADS: '1',
      FACEGATE_DASHBOARD_URL: passkeyUrl,
      ...env,
    }),
  );
  // Allowed face images, as every viewer was before the per-account grant (dashboard-viewer-faces.test.ts has one without).
  await app.services.admins.create(VIEWER.email, VIEWER.password, 'viewer', true);
  const server: Server = createServer(app.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiPort = (server.address() as { port: number }).port;

  let output = '';
  const next = spawn(process.execPath, [nextBin(), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: dashboardDir,
    env: { ...process.env, FACEGATE_API_URL: `http://127.0.0.1:${apiPort}/graphql`, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  next.stdout.on('data', (d: Buffer) => (output += d.toString()));
  next.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${baseUrl}/login`, next, () => output, 60_000);

  const browser: Browser = await launchChromium();

  return {
    app,
    baseUrl,
    /** The dashboard as http://localhost:<port>, the origin passkeys work at. */
    passkeyUrl,
    browser,
    dashboardOutput: () => output,
    async stop() {
      await browser.close().catch(() => undefined);
      if (next.exitCode === null) {
        const exited = new Promise((r) => next.once('exit', r));
        next.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
