import type { Server } from 'node:http';
import { Command, InvalidArgumentError, Option } from 'commander';
import mqtt, { type MqttClient } from 'mqtt';
import { createDoorClient } from '../door-client.ts';
import { FacegateError } from '../errors.ts';
import { describeError, describeResult, EXIT, keyOption, urlOption } from '../cli/door-command.ts';
import { commandActuator, mqttActuator, webhookActuator, type Actuator } from './actuators.ts';
import { createBridge, type AttemptReport } from './bridge.ts';
import { CardInbox, readCardsFromStdin, serveCards, subscribeCards } from './card-input.ts';
import { hasFfmpeg, startFrameSource } from './frame-source.ts';
import { createCameraMetrics, report, serveMetrics } from './metrics.ts';

export { hasFfmpeg } from './frame-source.ts';

interface CameraOptions {
  url: string;
  key?: string;
  door?: string;
  fps: number;
  maxWidth: number;
  burst: number;
  maxWait: number;
  gone: number;
  minIou: number;
  requireCard?: boolean;
  cardWindow: number;
  cardStdin?: boolean;
  cardPort?: number;
  listenHost: string;
  mqtt?: string;
  mqttCardTopic?: string;
  openMqttTopic?: string;
  openWebhook?: string;
  openCommand?: string;
  metricsPort?: number;
  ffmpeg: string;
  loop?: boolean;
  stall: number;
  backoffMax: number;
  report?: boolean;
  json?: boolean;
}

const number =
  (min: number, max: number, integer = false) =>
  (text: string) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
      throw new InvalidArgumentError(`a ${integer ? 'whole ' : ''}number from ${min} to ${max}`);
    return n;
  };
const port = number(0, 65535, true);

function line(options: CameraOptions, json: Record<string, unknown>, text: string) {
  process.stdout.write(`${options.json ? JSON.stringify(json) : text}\n`);
}

function describeAttempt(a: AttemptReport): string {
  const after = `(face to decision ${Math.round(a.latencyMs)} ms, of which API ${Math.round(a.apiMs)} ms, ${a.mode}, ${a.frames} frame${a.frames === 1 ? '' : 's'})`;
  if (!a.answer) return `UNREACHABLE ${a.failure}: the door stays shut ${after}`;
  return `${a.answer.ok ? describeResult(a.answer.result) : describeError(a.answer.error)} ${after}`;
}

async function run(input: string, options: CameraOptions): Promise<number> {
  const key = options.key ?? process.env.FACEGATE_KEY;
  if (!key) throw new InvalidArgumentError('no API key: pass --key or set FACEGATE_KEY');
  const needsMqtt = options.openMqttTopic !== undefined || options.mqttCardTopic !== undefined;
  if (needsMqtt && !options.mqtt) throw new InvalidArgumentError('--open-mqtt-topic and --mqtt-card-topic need --mqtt <url>');
  if (!hasFfmpeg(options.ffmpeg))
    throw new FacegateError(`cannot run ${options.ffmpeg}: install ffmpeg (apt-get install ffmpeg) or give its path with --ffmpeg`);
  const client = createDoorClient({ url: options.url, key });
  // A key the API does not know fails here, not at the first visitor.
  if (!(await client.whoAmI())) throw new FacegateError('the API does not know this key (revoked or mistyped)');
  const metrics = createCameraMetrics();
  const servers: Server[] = [];
  const closers: (() => void | Promise<unknown>)[] = [];
  let broker: MqttClient | null = null;
  try {
    if (options.mqtt) {
      broker = await mqtt.connectAsync(options.mqtt, { reconnectPeriod: 1000, connectTimeout: 10_000 });
      const connected = broker;
      closers.push(() => connected.endAsync());
    }
    const actuators: Actuator[] = [];
    if (options.openMqttTopic) actuators.push(mqttActuator(broker!, options.openMqttTopic));
    if (options.openWebhook) actuators.push(webhookActuator(options.openWebhook));
    if (options.openCommand) actuators.push(commandActuator(options.openCommand));
    const cards = new CardInbox(options.cardWindow * 1000, (cardId) => line(options, { event: 'card', cardId }, `card ${cardId}`));
    if (options.cardStdin) closers.push(readCardsFromStdin(cards));
    if (options.cardPort !== undefined) servers.push(await serveCards(cards, options.listenHost, options.cardPort));
    if (options.mqttCardTopic) await subscribeCards(cards, broker!, options.mqttCardTopic);
    if (options.metricsPort !== undefined) servers.push(await serveMetrics(metrics, options.listenHost, options.metricsPort));

    const { createFaceLocator } = await import('@facegate/face-core');
    const locator = await createFaceLocator();
    closers.push(() => locator.dispose());
    const bridge = createBridge(
      {
        burst: options.burst,
        maxWaitMs: options.maxWait,
        tracker: { minIou: options.minIou, goneMs: options.gone },
        requireCard: options.requireCard ?? false,
        doorId: options.door,
        retryMs: 2000,
      },
      {
        locator,
        client,
        cards,
        actuators,
        metrics,
        onAttempt: (a) =>
          line(
            options,
            {
              event: 'attempt',
              track: a.track,
              mode: a.mode,
              frames: a.frames,
              latencyMs: Math.round(a.latencyMs),
              apiMs: Math.round(a.apiMs),
              ...(a.answer?.ok
                ? {
                    decision: a.answer.result.decision,
                    reason: a.answer.result.reason,
                    person: a.answer.result.person?.name ?? null,
                    attemptId: a.answer.result.attemptId,
                  }
                : a.answer
                  ? { error: a.answer.error.code, message: a.answer.error.message }
                  : { error: 'UNREACHABLE', message: a.failure }),
            },
            describeAttempt(a),
          ),
        onOpened: (actuator, error) =>
          line(
            options,
            { event: 'opened', actuator, ok: !error, ...(error ? { message: error.message } : {}) },
            error ? `${actuator}: could not open the door: ${error.message}` : `${actuator}: door opened`,
          ),
      },
    );
    const source = startFrameSource({
      input,
      fps: options.fps,
      maxWidth: options.maxWidth,
      loop: options.loop ?? false,
      ffmpeg: options.ffmpeg,
      stallMs: options.stall * 1000,
      backoffMinMs: 500,
      backoffMaxMs: options.backoffMax * 1000,
      onFrame: (frame) => bridge.offer(frame),
      onReconnect: () => metrics.reconnects.inc(),
      onState: (state, detail) => {
        metrics.up.set(state === 'up' ? 1 : 0);
        if (state === 'down') bridge.streamDropped();
        line(options, { event: 'stream', state, detail }, `stream ${state}: ${detail}`);
      },
    });
    const stop = () => {
      bridge.stop();
      void source.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void source.ended.then(() => bridge.finish());
    try {
      await bridge.run();
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await source.stop();
    }
    if (options.report) {
      const summary = await report(metrics);
      const latency = summary.decisionLatencyMs;
      line(
        options,
        { event: 'report', ...summary },
        `report: ${summary.frames} frames (${summary.framesSkipped} skipped), ${summary.reconnects} reconnects, attempts ${JSON.stringify(summary.attempts)}, opened ${summary.opened}; face to decision ${latency ? `median ${latency.median} ms, max ${latency.max} ms over ${latency.runs}` : 'not measured (no decision)'}`,
      );
    }
    return EXIT.OPENED;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    for (const close of closers.reverse()) await close();
  }
}

/** The `camera` command: a door driven by a camera stream. */
export function cameraCommand(name = 'camera'): Command {
  return new Command(name)
    .description(
      'a door driven by a camera: read a stream with ffmpeg, follow the face nearest the camera, send its best 1-5 frames to the API once per visit, and open the door on acceptance (MQTT, webhook or command). Ctrl-C or SIGTERM stops it.',
    )
    .argument(
      '<input>',
      'rtsp://... (IP camera), http://... (MJPEG), /dev/video0 (USB webcam, V4L2) or a video file (played at its own pace)',
    )
    .addOption(urlOption())
    .addOption(keyOption())
    .option('--door <id>', 'the door, for a key not bound to one')
    .addOption(
      new Option('--fps <n>', "frames looked at per second (a frame arriving during the previous one's processing is skipped)")
        .argParser(number(0.5, 30))
        .default(5),
    )
    .addOption(
      new Option('--max-width <px>', 'scale wider frames down to this width (0: keep)').argParser(number(0, 4096, true)).default(640),
    )
    .addOption(new Option('--burst <n>', 'frames per attempt: the best of the visit by quality').argParser(number(1, 5, true)).default(3))
    .addOption(
      new Option('--max-wait <ms>', 'send fewer frames once the face has been seen this long').argParser(number(0, 60_000)).default(1500),
    )
    .addOption(
      new Option('--gone <ms>', 'frames showing no face for this long: the person left, the next face is a new visit')
        .argParser(number(0, 60_000))
        .default(1500),
    )
    .addOption(new Option('--min-iou <x>', 'box overlap for the same face in consecutive frames').argParser(number(0, 1)).default(0.3))
    .option('--require-card', 'verification only: no attempt until a card id arrives')
    .addOption(
      new Option('--card-window <s>', 'a card id verifies the face seen within this many seconds').argParser(number(1, 600)).default(10),
    )
    .option('--card-stdin', 'read card ids from stdin, one a line')
    .addOption(new Option('--card-port <port>', 'take card ids by HTTP: POST /card (body: the id, or {"cardId": ...})').argParser(port))
    .option('--listen-host <host>', 'where --card-port and --metrics-port listen', '127.0.0.1')
    .addOption(new Option('--mqtt <url>', 'the MQTT broker for --open-mqtt-topic and --mqtt-card-topic').env('FACEGATE_CAMERA_MQTT_URL'))
    .option('--mqtt-card-topic <topic>', 'take card ids published on this topic')
    .option('--open-mqtt-topic <topic>', 'on acceptance, publish {person, personId, attemptId, at} here (QoS 1, not retained)')
    .option('--open-webhook <url>', 'on acceptance, POST the same JSON here')
    .option(
      '--open-command <command>',
      'on acceptance, run this shell command (FACEGATE_PERSON, FACEGATE_PERSON_ID, FACEGATE_ATTEMPT_ID, FACEGATE_AT in its environment)',
    )
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics (facegate_camera_*) at GET /metrics').argParser(port))
    .option('--ffmpeg <path>', 'the ffmpeg binary', 'ffmpeg')
    .option('--loop', 'a video file plays again when it ends (otherwise the bridge stops there)')
    .addOption(new Option('--stall <s>', 'no frame for this long counts as a dropped stream').argParser(number(1, 600)).default(10))
    .addOption(
      new Option('--backoff-max <s>', 'longest wait between reconnections (from 0.5 s, doubling)').argParser(number(1, 3600)).default(30),
    )
    .option('--report', 'on exit, print the counts and the face-to-decision latency (median, max)')
    .option('--json', 'one JSON object per line (events: stream, card, attempt, opened, report)')
    .showHelpAfterError()
    .action(async (input: string, options: CameraOptions) => {
      process.exitCode = await run(input, options);
    });
}
