'use client';

export default function AdminError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="panel" role="alert">
      <h1>This page could not be loaded</h1>
      <p className="alert error">{error.message || 'Something went wrong while talking to the facegate API.'}</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
