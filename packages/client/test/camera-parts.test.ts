import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ffmpegArgs, hasFfmpeg, inputKind, JpegSplitter } from '../src/camera/frame-source.ts';
import { Tracker } from '../src/camera/tracker.ts';

// The camera bridge's pure parts; the whole bridge runs against a real API and a real ffmpeg in
// test/integration/camera-bridge.test.ts.

describe('JpegSplitter', () => {
  it.skipIf(!hasFfmpeg())('splits the output of a real ffmpeg into whole JPEGs, however the pipe cuts it', () => {
    // Three frames of a test pattern, as the bridge asks ffmpeg for them.
    const out = execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120:rate=3',
      '-frames:v',
      '3',
      '-f',
      'image2pipe',
      '-vcodec',
      'mjpeg',
      'pipe:1',
    ]);
    for (const size of [1, 7, 4096, out.length]) {
      const splitter = new JpegSplitter();
      const frames: Buffer[] = [];
      for (let i = 0; i < out.length; i += size) frames.push(...splitter.push(out.subarray(i, i + size)));
      expect(frames).toHaveLength(3);
      expect(Buffer.concat(frames).equals(out)).toBe(true);
      for (const f of frames) expect([f[0], f[1], f.at(-2), f.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    }
  });
});

describe('ffmpeg input', () => {
  it('reads RTSP over TCP, a webcam through V4L2, and a file at its own pace', () => {
    expect(inputKind('rtsp://cam/stream1')).toBe('rtsp');
    expect(inputKind('http://cam/mjpg')).toBe('http');
    expect(inputKind('/dev/video0')).toBe('v4l2');
    expect(inputKind('door.mp4')).toBe('file');
    expect(ffmpegArgs({ input: 'rtsp://cam/1', fps: 5, maxWidth: 640, loop: false })).toEqual(
      expect.arrayContaining(['-rtsp_transport', 'tcp', '-i', 'rtsp://cam/1']),
    );
    expect(ffmpegArgs({ input: '/dev/video0', fps: 5, maxWidth: 0, loop: false }).join(' ')).toContain(
      '-f v4l2 -i /dev/video0 -an -vf fps=5 -f image2pipe',
    );
    expect(ffmpegArgs({ input: 'a.mkv', fps: 5, maxWidth: 640, loop: true }).join(' ')).toContain('-re -stream_loop -1 -i a.mkv');
  });
});

describe('Tracker', () => {
  const box = (x: number, size = 100) => ({ x, y: 50, width: size, height: size });
  it('follows a face that moves and grows, starts a new visit for another face or once frames show no face for goneMs', () => {
    const tracker = new Tracker({ minIou: 0.3, goneMs: 1000 });
    const first = tracker.update(box(100), 0);
    expect(first.started).toBe(true);
    // Approaching: larger and a little to the side, the same visit.
    expect(tracker.update(box(110, 120), 200)).toEqual({ track: first.track, started: false });
    // A frame without a face does not end the visit...
    expect(tracker.update(null, 400).track).toBeNull();
    expect(tracker.update(box(112, 125), 600)).toEqual({ track: first.track, started: false });
    // ...nor does a long wait for the API, during which no frame was looked at...
    expect(tracker.update(box(112, 125), 5000)).toEqual({ track: first.track, started: false });
    // ...but a face elsewhere is someone else.
    const other = tracker.update(box(400), 5200);
    expect(other.started).toBe(true);
    expect(other.track!.id).not.toBe(first.track!.id);
    // Frames without a face for goneMs: the same place is a new visit.
    expect(tracker.update(null, 5400).track).toBeNull();
    expect(tracker.track).not.toBeNull();
    expect(tracker.update(null, 6400).track).toBeNull();
    expect(tracker.track).toBeNull();
    expect(tracker.update(box(400), 6500).started).toBe(true);
  });
});
