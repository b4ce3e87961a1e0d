export function ErrorPanel({ title = 'Could not load this page', message }: { title?: string; message: string }) {
  return (
    <div className="panel" role="alert">
      <h2>{title}</h2>
      <p className="alert error">{message}</p>
    </div>
  );
}
