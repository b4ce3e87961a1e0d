'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useState } from 'react';

const LINKS = [
  ['/overview', 'Overview'],
  ['/people', 'People'],
  ['/enroll', 'Enroll'],
  ['/import', 'Import'],
  ['/verify', 'Verify'],
  ['/identify', 'Identify'],
  ['/audit', 'Audit log'],
  ['/learn', 'Learn faces'],
  ['/access', 'Access'],
  ['/webhooks', 'Webhooks'],
  ['/admin-log', 'Admin log'],
  ['/security', 'Security log'],
  ['/models', 'Models'],
  ['/settings', 'Settings'],
  ['/account', 'Account'],
] as const;

/** Pages that are only forms or administrators' reading: a viewer would find a dead end there. */
const ADMIN_ONLY = new Set(['/enroll', '/import', '/verify', '/identify', '/webhooks', '/admin-log', '/security', '/models']);

/**
 * The main navigation. On a phone it is folded behind a Menu button (aria-expanded) instead of a row
 * that scrolls sideways with no cue; on a wide screen the button is hidden and the links always show.
 */
export function Nav({ admin }: { admin: boolean }) {
  const path = usePathname();
  // Open on the page where it was opened: following a link folds it again.
  const [openAt, setOpenAt] = useState<string | null>(null);
  const open = openAt === path;
  return (
    <>
      <button
        type="button"
        className="menu-button"
        aria-expanded={open}
        aria-controls="main-nav"
        onClick={() => setOpenAt(open ? null : path)}
      >
        <span aria-hidden="true">☰</span> Menu
      </button>
      <nav id="main-nav" className={`nav${open ? ' open' : ''}`} aria-label="Main">
        {LINKS.filter(([href]) => admin || !ADMIN_ONLY.has(href)).map(([href, label]) => (
          <Link key={href} href={href} aria-current={path === href || path.startsWith(`${href}/`) ? 'page' : undefined}>
            {label}
          </Link>
        ))}
      </nav>
    </>
  );
}
