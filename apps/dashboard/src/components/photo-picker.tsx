'use client';

import { useEffect, useRef, useState } from 'react';

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
}: {
  name: string;
  label: string;
  multiple?: boolean;
  required?: boolean;
  resetKey?: unknown;
}) {
  const input = useRef<HTMLInputElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [previews, setPreviews] = useState<string[]>([]);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [cameraError, setCameraError] = useState<string | null>(null);
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

  function capture() {
    const v = video.current;
    if (!v || !v.videoWidth) return;
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext('2d')!.drawImage(v, 0, 0);
    canvas.toBlob(
      (blob) => {
        if (!blob) return;
        const shot = new File([blob], `webcam-${new Date().toISOString().replace(/[:.]/g, '-')}.jpg`, { type: 'image/jpeg' });
        setInputFiles(multiple ? [...files, shot] : [shot]);
      },
      'image/jpeg',
      0.92,
    );
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
      {stream && <video ref={video} className="webcam" muted playsInline aria-label="Webcam preview" style={{ marginTop: '0.5rem' }} />}
      {cameraError && (
        <p role="alert" className="alert error">
          {cameraError}
        </p>
      )}
    </div>
  );
}
