/** A form's answer: its error as an alert, or its success message, announced to screen readers. */
export function FormFeedback({ state }: { state: { error?: string; message?: string } }) {
  return (
    <div aria-live="polite">
      {state.error && (
        <p role="alert" className="alert error">
          {state.error}
        </p>
      )}
      {state.message && !state.error && <p className="alert ok">{state.message}</p>}
    </div>
  );
}
