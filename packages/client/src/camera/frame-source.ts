import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

/** One JPEG frame as ffmpeg wrote it, and when it arrived (performance.now()). */
export interface Frame {
  readonly jpeg: Buffer;
  readonly at: number;
}

export interface FrameSourceOptions {
  /** rtsp://, http(s):// (MJPEG or any stream ffmpeg reads), /dev/videoN (V4L2), or a video file. */
  readonly input: string;
  readonly fps: number;
  /** Frames wider than this are scaled down (keeps detection cheap); 0 keeps the camera's size. */
  readonly maxWidth: number;
  /** A file plays again from the start when it ends, instead of ending the bridge. */
  readonly loop: boolean;
  readonly ffmpeg: string;
  /** No frame for this long: the stream is taken as dropped and ffmpeg restarted. */
  readonly stallMs: number;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  onFrame(frame: Frame): void;
  onState(state: 'up' | 'down' | 'ended', detail: string): void;
  onReconnect(): void;
}

/** Whether ffmpeg can be run: the bridge says so at once rather than reconnecting forever, and tests skip. */
export function hasFfmpeg(ffmpeg = 'ffmpeg'): boolean {
  try {
    execFileSync(ffmpeg, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export type InputKind = 'rtsp' | 'http' | 'v4l2' | 'file';

export function inputKind(input: string): InputKind {
  if (/^rtsps?:\/\//i.test(input)) return 'rtsp';
  if (/^https?:\/\//i.test(input)) return 'http';
  if (input.startsWith('/dev/video')) return 'v4l2';
  return 'file';
}

/** ffmpeg's arguments: read the input, write MJPEG frames at `fps` to stdout. */
export function ffmpegArgs(options: Pick<FrameSourceOptions, 'input' | 'fps' | 'maxWidth' | 'loop'>): string[] {
  const kind = inputKind(options.input);
  const before: Record<InputKind, string[]> = {
    // TCP: a lost UDP packet is a grey smear across the face, which the quality gates then refuse.
    rtsp: ['-rtsp_transport', 'tcp', '-timeout', '5000000'],
    http: ['-rw_timeout', '5000000'],
    v4l2: ['-f', 'v4l2'],
    // A file plays at its own pace, as a camera would deliver it.
    file: ['-re', ...(options.loop ? ['-stream_loop', '-1'] : [])],
  };
  const filters = [`fps=${options.fps}`, ...(options.maxWidth > 0 ? [`scale='min(${options.maxWidth},iw)':-2`] : [])];
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...before[kind],
    '-i',
    options.input,
    '-an',
    '-vf',
    filters.join(','),
    '-f',
    'image2pipe',
    '-vcodec',
    'mjpeg',
    '-q:v',
    '3',
    'pipe:1',
  ];
}

/** Splits ffmpeg's image2pipe output into JPEGs (SOI ... EOI; entropy-coded data never holds FF D9). */
export class JpegSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  /** Where the search for the current frame's EOI resumes (a large frame arrives in many chunks). */
  private scanFrom = 0;
  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: Buffer[] = [];
    for (;;) {
      const start = this.buffer.indexOf(SOI);
      if (start < 0) {
        // A chunk may end between the two bytes of a marker.
        this.buffer = this.buffer.at(-1) === 0xff ? this.buffer.subarray(-1) : Buffer.alloc(0);
        this.scanFrom = 0;
        break;
      }
      this.buffer = this.buffer.subarray(start);
      const end = this.buffer.indexOf(EOI, Math.max(2, this.scanFrom));
      if (end < 0) {
        this.scanFrom = Math.max(2, this.buffer.length - 1);
        break;
      }
      frames.push(Buffer.from(this.buffer.subarray(0, end + 2)));
      this.buffer = this.buffer.subarray(end + 2);
      this.scanFrom = 0;
    }
    return frames;
  }
}
const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

/**
 * Runs ffmpeg as a child process and keeps it running: when the stream drops (ffmpeg exits, or no frame
 * for `stallMs`), it is started again after a backoff that doubles up to `backoffMaxMs` and starts over
 * once frames flow. A file that ends, ends the source (unless `loop`).
 */
export function startFrameSource(options: FrameSourceOptions): { stop(): Promise<void>; ended: Promise<void> } {
  let child: ChildProcess | null = null;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;
  let watchdog: NodeJS.Timeout | null = null;
  let finish!: () => void;
  const ended = new Promise<void>((resolve) => (finish = resolve));
  const isFile = inputKind(options.input) === 'file';

  function start(restart: boolean) {
    if (stopped) return;
    if (restart) options.onReconnect();
    const splitter = new JpegSplitter();
    let flowing = false;
    let lastFrameAt = performance.now();
    let stderr = '';
    const proc = spawn(options.ffmpeg, ffmpegArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout!.on('data', (chunk: Buffer) => {
      for (const jpeg of splitter.push(chunk)) {
        lastFrameAt = performance.now();
        if (!flowing) {
          flowing = true;
          failures = 0;
          options.onState('up', options.input);
        }
        options.onFrame({ jpeg, at: lastFrameAt });
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    watchdog = setInterval(
      () => {
        if (performance.now() - lastFrameAt > options.stallMs) proc.kill('SIGKILL');
      },
      Math.min(1000, options.stallMs),
    );
    proc.on('error', (error) => (stderr += String(error.message)));
    proc.on('close', (code, signal) => {
      if (watchdog) clearInterval(watchdog);
      child = null;
      const why = (stderr.trim().split('\n').pop() ?? '') || (signal ? `ffmpeg ended by ${signal}` : `ffmpeg exited with ${code}`);
      if (stopped) return finish();
      if (isFile && !options.loop && code === 0) {
        options.onState('ended', 'the file ended');
        return finish();
      }
      const delay = Math.min(options.backoffMaxMs, options.backoffMinMs * 2 ** failures++);
      options.onState('down', `${why}; trying again in ${(delay / 1000).toFixed(1)} s`);
      timer = setTimeout(() => start(true), delay);
    });
  }
  start(false);

  return {
    ended,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const running = child;
      if (!running) return finish();
      running.kill('SIGTERM');
      // ffmpeg answers SIGTERM at once; a hung network read may not, so it is killed after 2 s.
      const kill = setTimeout(() => running.kill('SIGKILL'), 2000);
      await ended;
      clearTimeout(kill);
    },
  };
}
