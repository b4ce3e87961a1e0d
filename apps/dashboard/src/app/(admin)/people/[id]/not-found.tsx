import Link from 'next/link';

export default function PersonNotFound() {
  return (
    <div className="panel">
      <h1>Nobody here</h1>
      <p>No person has this id: they may have been deleted, with their photos.</p>
      <Link href="/people">Back to the people</Link>
    </div>
  );
}
