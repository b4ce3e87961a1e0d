'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { WebcamGuide } from './webcam-guide';

/**
 * A file input (one or several photos) that webcam shots are added to: the input stays the single
 * source of truth, so the surrounding <form> submits both kinds the same way.
 */
export function PhotoPicker({
  name,
  label,
  multiple = false,
  required = false,
  resetKey,
  autoCapture = false,
}: {
  name: string;
  label: string;
  multiple?: boolean;
  required?: boolean;
  resetKey?: unknown;
  /** Take the photo on its own once the face guide's checks have passed for a moment (once per opening of the camera). */
  autoCapture?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [previews, setPreviews] = useState<string[]>([]);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [cameraError, setCameraError] = useState<string | null>(null);
  /** Auto-capture waits for a good moment: until it took one, or the person took one themself. */
  const [armed, setArmed] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const id = `photos-${name}`;

  useEffect(() => {
    const urls = files.map((f) => URL.createObjectURL(f));
    setPreviews(urls);
    return () => urls.forEach((u) => URL.revokeObjectURL(u));
  }, [files]);

  // A new resetKey (a successful submission) empties the picker; the first render keeps whatever
  // was chosen before the page became interactive.
  const lastResetKey = useRef(resetKey);
  useEffect(() => {
    if (lastResetKey.current === resetKey) return;
    lastResetKey.current = resetKey;
    if (input.current) input.current.value = '';
    setFiles([]);
  }, [resetKey]);

  // Photos chosen before hydration are in the input but not yet in the state.
  useEffect(() => {
    if (input.current?.files?.length) setFiles(Array.from(input.current.files));
  }, []);

  useEffect(() => {
    // React resets a form after its action: forget the chosen photos with it.
    const form = input.current?.form;
    const clear = () => setFiles([]);
    form?.addEventListener('reset', clear);
    return () => form?.removeEventListener('reset', clear);
  }, []);

  useEffect(() => {
    if (video.current && stream) {
      video.current.srcObject = stream;
      void video.current.play().catch(() => undefined);
    }
    return () => stream?.getTracks().forEach((t) => t.stop());
  }, [stream]);

  function setInputFiles(next: File[]) {
    const transfer = new DataTransfer();
    next.forEach((f) => transfer.items.add(f));
    if (input.current) input.current.files = transfer.files;
    setFiles(next);
  }

  async function startCamera() {
    setCameraError(null);
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser offers no camera here (a camera needs https or localhost).');
      setStream(await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, facingMode: 'user' }, audio: false }));
      setArmed(autoCapture);
      setAnnouncement('');
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      setCameraError(
        /denied|not allowed/i.test(text)
          ? 'The camera was not allowed. Allow it in the browser, or upload photos instead.'
          : `The camera could not be started: ${text}`,
      );
    }
  }

  function stopCamera() {
    stream?.getTracks().forEach((t) => t.stop());
    setStream(null);
  }

  /** Adds a frame (the current one, or the one the face guide chose) to the chosen photos. */
  const keep = useCallback(
    (canvas: HTMLCanvasElement, automatic: boolean) => {
      canvas.toBlob(
        (blob) => {
          if (!blob) return;
          const stamp = new Date().toISOString().replace(/[:.]/g, '-');
          const shot = new File([blob], `webcam-${automatic ? 'auto-' : ''}${stamp}.jpg`, { type: 'image/jpeg' });
          const next = multiple ? [...(input.current?.files ? Array.from(input.current.files) : []), shot] : [shot];
          const transfer = new DataTransfer();
          next.forEach((f) => transfer.items.add(f));
          if (input.current) input.current.files = transfer.files;
          setFiles(next);
          if (automatic)
            setAnnouncement('Photo taken automatically: it is in the chosen photos. Take another with the button if you wish.');
        },
        'image/jpeg',
        0.92,
      );
    },
    [multiple],
  );
  const autoCaptured = useCallback(
    (frame: HTMLCanvasElement) => {
      setArmed(false);
      keep(frame, true);
    },
    [keep],
  );

  function capture() {
    const v = video.current;
    if (!v || !v.videoWidth) return;
    // The person took it: the guide no longer takes one on its own for this opening of the camera.
    setArmed(false);
    setAnnouncement('');
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext('2d')!.drawImage(v, 0, 0);
    keep(canvas, false);
  }

  return (
    <div className="field">
      <label htmlFor={id}>
        {label}{' '}
        <span className="hint">
          {multiple ? 'JPEG, PNG or WebP; choose several at once, or take webcam shots' : 'JPEG, PNG or WebP, or a webcam shot'}
        </span>
      </label>
      <input
        ref={input}
        id={id}
        name={name}
        type="file"
        accept="image/jpeg,image/png,image/webp"
        multiple={multiple}
        required={required && files.length === 0}
        onChange={(e) => setFiles(Array.from(e.currentTarget.files ?? []))}
      />
      {files.length > 0 && (
        <ul className="previews" aria-label="Chosen photos">
          {files.map((f, i) => (
            <li key={`${f.name}-${i}`}>
              {previews[i] && <img src={previews[i]} alt={`Preview of ${f.name}`} />}
              <span style={{ wordBreak: 'break-all' }}>{f.name}</span>
              <br />
              <button
                type="button"
                className="secondary"
                onClick={() => setInputFiles(files.filter((_, j) => j !== i))}
                aria-label={`Remove ${f.name}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="row" style={{ marginTop: '0.5rem' }}>
        {stream ? (
          <>
            <button type="button" onClick={capture}>
              Take photo
            </button>
            <button type="button" className="secondary" onClick={stopCamera}>
              Close camera
            </button>
          </>
        ) : (
          <button type="button" className="secondary" onClick={() => void startCamera()}>
            Use webcam
          </button>
        )}
      </div>
      {stream && (
        <>
          <WebcamGuide video={video} stream={stream} armed={armed} onSteady={autoCaptured}>
            <video ref={video} className="webcam" muted playsInline aria-label="Webcam preview" />
          </WebcamGuide>
          {armed && <p className="hint">The photo is taken on its own once the face is steady in the oval; the button takes it now.</p>}
        </>
      )}
      <p role="status" className={announcement ? 'alert ok' : 'sr-only'} data-testid="webcam-announcement">
        {announcement}
      </p>
      {cameraError && (
        <p role="alert" className="alert error">
          {cameraError}
        </p>
      )}
    </div>
  );
}
