import type { DataCipher } from '../../db/sealed.ts';
import type { Prisma } from '../../db/prisma.ts';

/**
 * Re-seals every encoding and face image not sealed under the current data key (values written
 * before encryption included), in batches; returns how many were re-sealed. Run after a key change
 * with the old key in FACEGATE_DATA_KEY_PREVIOUS (`facegate db rotate-key`).
 */
export async function resealAll(
  prisma: Prisma,
  cipher: DataCipher,
  batch = 200,
): Promise<{ samples: number; auditImages: number; totpSecrets: number; providerTokens: number }> {
  let samples = 0;
  let auditImages = 0;
  for (let cursor: string | undefined; ;) {
    const rows = await prisma.faceSample.findMany({
      orderBy: { id: 'asc' },
      take: batch,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
      select: { id: true, encoding: true, thumbnail: true, original: true },
    });
    if (rows.length === 0) break;
    const stale = rows.filter(
      (r) => !cipher.isCurrent(r.encoding) || !cipher.isCurrent(r.thumbnail) || (r.original !== null && !cipher.isCurrent(r.original)),
    );
    await prisma.$transaction(
      stale.map((r) =>
        prisma.faceSample.update({
          where: { id: r.id },
          data: {
            encoding: cipher.seal(cipher.open(r.encoding)),
            thumbnail: cipher.seal(cipher.open(r.thumbnail)),
            original: r.original ? cipher.seal(cipher.open(r.original)) : null,
          },
        }),
      ),
    );
    samples += stale.length;
    cursor = rows.at(-1)!.id;
  }
  for (let cursor: string | undefined; ;) {
    const rows = await prisma.recognitionEvent.findMany({
      where: { thumbnail: { not: null } },
      orderBy: { id: 'asc' },
      take: batch,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
      select: { id: true, thumbnail: true },
    });
    if (rows.length === 0) break;
    const stale = rows.filter((r) => !cipher.isCurrent(r.thumbnail!));
    await prisma.$transaction(
      stale.map((r) =>
        prisma.recognitionEvent.update({ where: { id: r.id }, data: { thumbnail: cipher.seal(cipher.open(r.thumbnail!)) } }),
      ),
    );
    auditImages += stale.length;
    cursor = rows.at(-1)!.id;
  }
  // Administrators' TOTP secrets (in force or being enrolled): few rows, one pass.
  const admins = await prisma.admin.findMany({
    where: { OR: [{ totpSecret: { not: null } }, { totpPendingSecret: { not: null } }] },
    select: { id: true, totpSecret: true, totpPendingSecret: true },
  });
  const staleAdmins = admins.filter(
    (a) => (a.totpSecret && !cipher.isCurrent(a.totpSecret)) || (a.totpPendingSecret && !cipher.isCurrent(a.totpPendingSecret)),
  );
  const reseal = (stored: Uint8Array | null) => (stored ? cipher.seal(cipher.open(stored)) : null);
  await prisma.$transaction(
    staleAdmins.map((a) =>
      prisma.admin.update({
        where: { id: a.id },
        data: { totpSecret: reseal(a.totpSecret), totpPendingSecret: reseal(a.totpPendingSecret) },
      }),
    ),
  );
  // Single sign-on's refresh tokens of live sessions (one each), and its sign-ins in progress.
  const sessions = await prisma.adminSession.findMany({
    where: { providerRefreshToken: { not: null }, revokedAt: null },
    select: { id: true, providerRefreshToken: true },
  });
  const staleSessions = sessions.filter((s) => !cipher.isCurrent(s.providerRefreshToken!));
  await prisma.$transaction(
    staleSessions.map((s) =>
      prisma.adminSession.update({ where: { id: s.id }, data: { providerRefreshToken: reseal(s.providerRefreshToken) } }),
    ),
  );
  const requests = await prisma.singleSignOnRequest.findMany({ select: { id: true, codeVerifier: true } });
  const staleRequests = requests.filter((r) => !cipher.isCurrent(r.codeVerifier));
  await prisma.$transaction(
    staleRequests.map((r) => prisma.singleSignOnRequest.update({ where: { id: r.id }, data: { codeVerifier: reseal(r.codeVerifier)! } })),
  );
  return { samples, auditImages, totpSecrets: staleAdmins.length, providerTokens: staleSessions.length + staleRequests.length };
}
