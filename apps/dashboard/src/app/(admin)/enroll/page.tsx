import type { Metadata } from 'next';
import { currentUser } from '@/lib/session';
import { EnrollForm } from './enroll-form';

export const metadata: Metadata = { title: 'Enroll' };

export default async function EnrollPage() {
  const me = await currentUser();
  return (
    <>
      <h1>Enroll a person</h1>
      <p className="muted">
        Several photos help: different days, light and angles. Each photo must show this person&apos;s face alone, large enough and sharp.
      </p>
      {me?.role === 'ADMIN' ? (
        <EnrollForm />
      ) : (
        <p className="alert warn">You are signed in as a viewer: only administrators can enroll people.</p>
      )}
    </>
  );
}
