import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';

// What the events-out tests share: a free port, polling until a condition holds, a webhook receiver
// and a mosquitto of their own.

export const MOSQUITTO = [process.env.MOSQUITTO_BIN, '/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => p && existsSync(p));

export async function until<T>(what: string, read: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A webhook receiver on a port of its own: `mode` answers 204, or never answers (hang). */
export function receiver(port: number, mode: 'ok' | 'hang' = 'ok') {
  const received: { headers: IncomingHttpHeaders; body: string; at: number }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body, at: Date.now() });
      if (mode === 'ok') res.writeHead(204).end();
    });
  });
  const listening = new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    received,
    listening,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A mosquitto of the test's own, on its own port, stopped and started again at will (persistent sessions kept on disk). */
export function broker(port: number, dir: string) {
  let child: ChildProcess | null = null;
  const conf = path.join(dir, `mosquitto-${port}.conf`);
  return {
    async start() {
      await writeFile(
        conf,
        // Started as root, mosquitto would drop to the user "mosquitto", which cannot write the test's
        // private folder: sessions would silently not survive a restart. It keeps the user that started it.
        `user ${userInfo().username}\nlistener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\nautosave_interval 1\n`,
      );
      child = spawn(MOSQUITTO!, ['-c', conf], { stdio: 'ignore' });
      await until(
        'mosquitto to listen',
        () =>
          new Promise<boolean>((resolve) =>
            connect(port, '127.0.0.1')
              .on('connect', function (this: import('node:net').Socket) {
                this.destroy();
                resolve(true);
              })
              .on('error', () => resolve(false)),
          ),
        Boolean,
        10_000,
      );
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      await new Promise((resolve) => {
        running.once('exit', resolve);
        running.kill('SIGTERM');
      });
    },
  };
}
