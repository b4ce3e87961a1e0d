import type { NextConfig } from 'next';

const dev = process.env.NODE_ENV === 'development';

/**
 * Content Security Policy: everything from this origin only; photos and face thumbnails are data: or
 * blob: URLs; no framing (clickjacking), no plugins, forms post only here. Next.js inlines its
 * hydration scripts, hence 'unsafe-inline' for scripts (no eval outside development).
 */
const CSP = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ''}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  `connect-src 'self'${dev ? ' ws:' : ''}`,
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = [
  { key: 'Content-Security-Policy', value: CSP },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'no-referrer' },
  { key: 'Permissions-Policy', value: 'camera=(self), microphone=(), geolocation=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];

const config: NextConfig = {
  poweredByHeader: false,
  // Workspace packages ship TypeScript source.
  transpilePackages: ['@facegate/client', '@facegate/people-archive'],
  experimental: {
    // Photos travel through server actions to the API (which allows 10 MiB each).
    serverActions: { bodySizeLimit: '40mb' },
  },
  async headers() {
    return [{ source: '/:path*', headers: SECURITY_HEADERS }];
  },
};

export default config;
