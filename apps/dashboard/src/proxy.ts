import { NextResponse, type NextRequest } from 'next/server';

/**
 * Cross-site server actions are refused with 403 before Next.js handles them (it would answer 500):
 * a server action is a POST with a `Next-Action` header, and a browser's Origin must be this site's.
 */
export function proxy(request: NextRequest) {
  if (request.method !== 'POST' || !request.headers.has('next-action')) return NextResponse.next();
  const origin = request.headers.get('origin');
  if (origin === null) return NextResponse.next(); // not sent by a browser page: no forgery possible
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() ?? request.headers.get('host');
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).host;
  } catch {
    // "null" or garbage: not this site
  }
  if (originHost !== null && originHost === host) return NextResponse.next();
  return new NextResponse('Cross-site request refused.', { status: 403, headers: { 'content-type': 'text/plain' } });
}

export const config = { matcher: '/:path*' };
