import 'server-only';
import { cache } from 'react';
import { redirect } from 'next/navigation';
import { graphql } from '@/generated';
import type { MeQuery } from '@/generated/graphql';
import { ApiError, request, sessionToken } from './api';

const MeDocument = graphql(`
  query Me {
    me {
      id
      name
      kind
      role
      scopes
    }
  }
`);

/** Who is signed in; `scopes`: what this account may do (face images need faces:read: always for administrators, per account for viewers). */
export type Me = NonNullable<MeQuery['me']>;

/** Whether this account sees face images: the pages then ask for them, else show a tile saying they are hidden. */
export const seesFaces = (me: Me | null): boolean => !!me?.scopes.includes('faces:read');

/** Who is signed in (once per request), or null. */
export const currentUser = cache(async (): Promise<Me | null> => {
  if (!(await sessionToken())) return null;
  try {
    const { me } = await request(MeDocument, {});
    return me && me.kind === 'admin' ? me : null;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'UNAUTHORIZED') return null;
    throw error;
  }
});

/** For pages: the signed-in user, or off to the sign-in page. */
export async function requireUser(): Promise<Me> {
  const me = await currentUser();
  if (!me) redirect('/login');
  return me;
}

/** For server actions that change something: only administrators. */
export async function requireAdmin(): Promise<{ ok: true } | { ok: false; error: string }> {
  const me = await currentUser();
  if (!me) return { ok: false, error: 'Your session has ended. Sign in again.' };
  if (me.role !== 'ADMIN') return { ok: false, error: 'Your account is read-only (viewer): only administrators can change this.' };
  return { ok: true };
}
