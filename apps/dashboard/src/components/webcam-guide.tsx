'use client';

import { useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { adviseFrame, meanLuma, OVAL, type FaceBox, type Guidance } from '@/lib/face-guidance';

/** Frames are measured this often: enough to follow a person, light on a laptop's processor. */
const EVERY_MS = 300;
/** Good frames in a row (about a second) before the best of them is taken on its own. */
const STEADY_FRAMES = 4;
/** Frames are measured at this width at most (the detector's input is smaller still). */
const MEASURE_WIDTH = 640;

const UNAVAILABLE: Guidance = {
  code: 'no_face',
  text: 'Guidance is not available in this browser: place your face in the oval and take the photo with the button.',
};
const STARTING: Guidance = { code: 'no_face', text: 'Starting the face guide…' };

/**
 * The oval over the live preview and guidance in words, from a face detector that runs in this browser
 * (face-api's tiny face detector: no frame leaves the browser until a photo is taken). When `armed`,
 * the sharpest-scored frame of a steady good moment is handed to `onSteady`, once.
 */
export function WebcamGuide({
  video,
  stream,
  armed,
  onSteady,
  children,
}: {
  /** The preview's <video>, drawn under the oval. */
  children: ReactNode;
  video: RefObject<HTMLVideoElement | null>;
  stream: MediaStream;
  armed: boolean;
  onSteady: (frame: HTMLCanvasElement) => void;
}) {
  const [guidance, setGuidance] = useState<Guidance>(STARTING);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  // Read by the loop at each frame, so a capture or a re-arm applies at once without restarting it.
  const armedRef = useRef(armed);
  const onSteadyRef = useRef(onSteady);
  useEffect(() => {
    armedRef.current = armed;
    onSteadyRef.current = onSteady;
  }, [armed, onSteady]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const small = document.createElement('canvas');
    let previous: FaceBox | null = null;
    let steady = 0;
    let best: { score: number; frame: HTMLCanvasElement } | null = null;

    async function run() {
      let faceapi: typeof import('@vladmandic/face-api');
      try {
        faceapi = await import('@vladmandic/face-api');
        await faceapi.nets.tinyFaceDetector.loadFromUri('/face-detector');
      } catch {
        if (!stopped) setGuidance(UNAVAILABLE);
        return;
      }
      const options = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 });
      const tick = async () => {
        if (stopped) return;
        const v = video.current;
        if (v && v.videoWidth > 0 && v.readyState >= 2) {
          const scale = Math.min(1, MEASURE_WIDTH / v.videoWidth);
          const width = Math.round(v.videoWidth * scale);
          const height = Math.round(v.videoHeight * scale);
          small.width = width;
          small.height = height;
          const context = small.getContext('2d', { willReadFrequently: true })!;
          context.drawImage(v, 0, 0, width, height);
          const faces: FaceBox[] = (await faceapi.detectAllFaces(small, options)).map((d) => ({
            x: d.box.x,
            y: d.box.y,
            width: d.box.width,
            height: d.box.height,
            score: d.score,
          }));
          const one = faces.length === 1 ? faces[0]! : null;
          const region = one
            ? context.getImageData(
                Math.max(0, Math.floor(one.x)),
                Math.max(0, Math.floor(one.y)),
                Math.max(1, Math.min(width - Math.max(0, Math.floor(one.x)), Math.ceil(one.width))),
                Math.max(1, Math.min(height - Math.max(0, Math.floor(one.y)), Math.ceil(one.height))),
              )
            : context.getImageData(0, 0, width, height);
          const advice = adviseFrame({ width, height, faces, brightness: meanLuma(region.data), previous });
          previous = one;
          if (stopped) return;
          setSize({ width, height });
          setGuidance(advice);
          if (advice.code === 'good' && armedRef.current) {
            steady++;
            // The best-scored frame of the steady moment, at the camera's full size.
            if (!best || one!.score > best.score) {
              const frame = document.createElement('canvas');
              frame.width = v.videoWidth;
              frame.height = v.videoHeight;
              frame.getContext('2d')!.drawImage(v, 0, 0);
              best = { score: one!.score, frame };
            }
            if (steady >= STEADY_FRAMES) {
              armedRef.current = false;
              onSteadyRef.current(best.frame);
              steady = 0;
              best = null;
            }
          } else {
            steady = 0;
            best = null;
          }
        }
        timer = setTimeout(() => void tick(), EVERY_MS);
      };
      await tick();
    }
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [stream, video]);

  const good = guidance.code === 'good';
  const ry = size ? (OVAL.heightShare * size.height) / 2 : 0;
  return (
    <>
      <div className="webcam-frame">
        {children}
        {size && (
          <svg
            className="webcam-oval"
            viewBox={`0 0 ${size.width} ${size.height}`}
            preserveAspectRatio="none"
            aria-hidden="true"
            data-testid="webcam-oval"
            data-state={guidance.code}
          >
            <ellipse
              cx={size.width / 2}
              cy={size.height / 2}
              rx={ry * OVAL.aspect}
              ry={ry}
              fill="none"
              stroke={good ? '#22c55e' : '#ffffff'}
              strokeWidth={good ? 4 : 3}
              strokeDasharray={good ? undefined : '10 6'}
              vectorEffect="non-scaling-stroke"
            />
          </svg>
        )}
      </div>
      <p className={`webcam-guidance${good ? ' good' : ''}`} aria-live="polite" data-testid="webcam-guidance" data-code={guidance.code}>
        {guidance.text}
      </p>
    </>
  );
}
