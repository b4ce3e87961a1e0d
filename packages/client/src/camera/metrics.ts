import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The bridge's Prometheus metrics (facegate_camera_*) and the latencies kept for --report. */
export function createCameraMetrics() {
  const registry = new Registry();
  const metrics = {
    registry,
    frames: new Counter({ name: 'facegate_camera_frames_total', help: 'Frames read from the stream', registers: [registry] }),
    skipped: new Counter({
      name: 'facegate_camera_frames_skipped_total',
      help: 'Frames not looked at because the previous one was still being processed',
      registers: [registry],
    }),
    reconnects: new Counter({
      name: 'facegate_camera_reconnects_total',
      help: 'Times ffmpeg was started again after the stream dropped or stalled',
      registers: [registry],
    }),
    up: new Gauge({ name: 'facegate_camera_stream_up', help: '1 while frames arrive, 0 while reconnecting', registers: [registry] }),
    attempts: new Counter({
      name: 'facegate_camera_attempts_total',
      help: 'Attempts sent to the API, by decision or error code',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    opened: new Counter({ name: 'facegate_camera_door_opened_total', help: 'Acceptances passed to the actuators', registers: [registry] }),
    actuatorFailures: new Counter({
      name: 'facegate_camera_actuator_failures_total',
      help: 'Actuators that failed to open the door',
      labelNames: ['actuator'],
      registers: [registry],
    }),
    decisionSeconds: new Histogram({
      name: 'facegate_camera_decision_seconds',
      help: 'From the first frame showing the face to the API answer',
      buckets: [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
      registers: [registry],
    }),
    latenciesMs: [] as number[],
  };
  return metrics;
}

export type CameraMetrics = ReturnType<typeof createCameraMetrics>;

/** GET /metrics on host:port. */
export function serveMetrics(metrics: CameraMetrics, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') return res.writeHead(404).end();
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** The --report summary: counts, and the decision latency's median and maximum. */
export async function report(metrics: CameraMetrics) {
  const values = [...metrics.latenciesMs].sort((a, b) => a - b);
  const count = async (c: Counter) => (await c.get()).values.reduce((sum, v) => sum + v.value, 0);
  const outcomes = Object.fromEntries((await metrics.attempts.get()).values.map((v) => [String(v.labels.outcome), v.value]));
  return {
    frames: await count(metrics.frames),
    framesSkipped: await count(metrics.skipped),
    reconnects: await count(metrics.reconnects),
    attempts: outcomes,
    opened: await count(metrics.opened),
    decisionLatencyMs:
      values.length === 0
        ? null
        : { runs: values.length, median: Math.round(median(values)), max: Math.round(values.at(-1)!), values: values.map(Math.round) },
  };
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
