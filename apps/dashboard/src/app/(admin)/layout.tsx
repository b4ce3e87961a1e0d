import type { ReactNode } from 'react';
import Link from 'next/link';
import { requireUser } from '@/lib/session';
import { logout } from '../login/actions';
import { Nav } from '@/components/nav';

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const me = await requireUser();
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to the main content
      </a>
      <header className="sidebar">
        <Link href="/overview" className="brand">
          facegate
        </Link>
        <Nav admin={me.role === 'ADMIN'} />
        <div className="whoami">
          <span>
            {me.name}{' '}
            <span className="badge" style={{ background: '#2c3446', color: '#fff' }}>
              {me.role === 'ADMIN' ? 'admin' : 'viewer (read-only)'}
            </span>
          </span>
          <form action={logout}>
            <button type="submit">Sign out</button>
          </form>
        </div>
      </header>
      <main className="main" id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
