import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { currentUser } from '@/lib/session';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ expired?: string }> }) {
  const { expired } = await searchParams;
  if (!expired && (await currentUser().catch(() => null))) redirect('/overview');
  return (
    <main className="login">
      <LoginForm notice={expired ? 'Your session has ended. Sign in again.' : undefined} />
    </main>
  );
}
