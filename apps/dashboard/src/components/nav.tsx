'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS = [
  ['/overview', 'Overview'],
  ['/people', 'People'],
  ['/enroll', 'Enroll'],
  ['/verify', 'Verify'],
  ['/identify', 'Identify'],
  ['/audit', 'Audit log'],
  ['/access', 'Access'],
  ['/settings', 'Settings'],
] as const;

export function Nav() {
  const path = usePathname();
  return (
    <nav className="nav" aria-label="Main">
      {LINKS.map(([href, label]) => (
        <Link key={href} href={href} aria-current={path === href || path.startsWith(`${href}/`) ? 'page' : undefined}>
          {label}
        </Link>
      ))}
    </nav>
  );
}
