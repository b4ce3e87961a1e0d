import { randomBytes } from 'node:crypto';
import { SCOPES, type Scope } from '../auth/api-keys.ts';
import { generateApiKey } from '../db/secrets.ts';
import { checkPasswordStrength } from '../auth/password-policy.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { parseScopes, serializeScopes } from '../db/codecs.ts';
import { hashPassword } from '../db/secrets.ts';
import type { Prisma } from '../db/prisma.ts';
import type { SignInService } from './sign-in/index.ts';

export type AdminRole = 'admin' | 'viewer';

/** Administrators, API keys and doors: who may use facegate, and from where. */
/** The time zone this process runs in (TZ or the system's), as IANA; UTC when the runtime cannot say. */
export function serverTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Told after a door is created, renamed or deleted (Home Assistant discovery); failures there are theirs to report. */
export interface DoorHooks {
  changed(door: { id: string; name: string }): Promise<void>;
  removed(id: string): Promise<void>;
}

export function createAccessService(prisma: Prisma, signIn: SignInService, doorHooks?: DoorHooks) {
  // Throttle lastUsedAt writes: one per key per minute is enough for "last used".
  const touched = new Map<string, number>();

  function checkScopes(scopes: readonly string[]): Scope[] {
    const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0) throw new InvalidInputError(`unknown scopes: ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`);
    if (scopes.length === 0) throw new InvalidInputError('an API key needs at least one scope');
    return [...new Set(scopes)] as Scope[];
  }

  return {
    admins: {
      async findById(id: string) {
        const admin = await prisma.admin.findUnique({ where: { id } });
        return admin ? { id: admin.id, email: admin.email, role: admin.role as AdminRole, facesRead: admin.facesRead } : null;
      },
      list: () => prisma.admin.findMany({ orderBy: { email: 'asc' } }),
      /** Signs in (throttled per account and per address, every attempt in the security log). */
      login: (email: string, password: string, clientAddress: string | null = null) => signIn.login(email, password, clientAddress),
      async create(email: string, password: string, role: AdminRole, facesRead = false) {
        const normalized = email.trim().toLowerCase();
        if (!/^[^\s@]+@[^\s@]+$/.test(normalized)) throw new InvalidInputError('not an email address');
        if (normalized.length > 254) throw new InvalidInputError('an email address has at most 254 characters');
        if (await prisma.admin.findUnique({ where: { email: normalized } }))
          throw new InvalidInputError(`${normalized} is already an administrator`);
        await checkPasswordStrength(password, [normalized]);
        return prisma.admin.create({ data: { email: normalized, passwordHash: await hashPassword(password), role, facesRead } });
      },
      /** Grants or withdraws a viewer's face images (faces:read); administrators always have them. */
      async setFacesRead(id: string, facesRead: boolean) {
        const admin = await prisma.admin.findUnique({ where: { id } });
        if (!admin) throw new NotFoundError('administrator');
        if (admin.role === 'admin') throw new InvalidInputError('administrators always see face images: only a viewer can be without');
        return prisma.admin.update({ where: { id }, data: { facesRead } });
      },
      async remove(id: string) {
        if (!(await prisma.admin.findUnique({ where: { id } }))) throw new NotFoundError('administrator');
        if (
          (await prisma.admin.count({ where: { role: 'admin' } })) <= 1 &&
          (await prisma.admin.findUnique({ where: { id } }))?.role === 'admin'
        ) {
          throw new InvalidInputError('the last administrator cannot be removed');
        }
        await prisma.admin.delete({ where: { id } });
        return id;
      },
      /**
       * The first administrator when there is none yet: from the environment, or else admin@localhost
       * with a generated password that the caller prints once.
       */
      async ensureFirst(
        email: string | undefined,
        password: string | undefined,
      ): Promise<{ status: 'exists' } | { status: 'created'; email: string; generatedPassword: string | null }> {
        if ((await prisma.admin.count()) > 0) return { status: 'exists' };
        const normalized = (email ?? 'admin@localhost').trim().toLowerCase();
        if (password) await checkPasswordStrength(password, [normalized]);
        const generatedPassword = password ? null : randomBytes(12).toString('base64url');
        await prisma.admin.create({
          data: { email: normalized, passwordHash: await hashPassword(password ?? generatedPassword!), role: 'admin' },
        });
        return { status: 'created', email: normalized, generatedPassword };
      },
    },

    apiKeys: {
      /** The key with this prefix, revoked ones included (`revoked` says so: a revoked key's attempts are audited as such). */
      async findByPrefix(prefix: string) {
        // Raw SQL (the same on SQLite and PostgreSQL): every door request starts here, and Prisma's query
        // compiler costs about three times the query itself.
        const [key] = await prisma.$queryRaw<
          { id: string; name: string; secretHash: string; scopes: string; doorId: string | null; revokedAt: unknown }[]
        >`
          SELECT "id", "name", "secretHash", "scopes", "doorId", "revokedAt" FROM "ApiKey" WHERE "prefix" = ${prefix}`;
        if (!key) return null;
        return {
          id: key.id,
          name: key.name,
          secretHash: key.secretHash,
          scopes: parseScopes(key.scopes) as Scope[],
          doorId: key.doorId,
          revoked: key.revokedAt !== null,
        };
      },
      touch(id: string) {
        const now = Date.now();
        if ((touched.get(id) ?? 0) > now - 60_000) return;
        touched.set(id, now);
        prisma.apiKey.update({ where: { id }, data: { lastUsedAt: new Date(now) } }).catch(() => touched.delete(id));
      },
      list: () => prisma.apiKey.findMany({ orderBy: { createdAt: 'desc' } }),
      /** Creates a key; the token (secret included) is returned this once and never stored. */
      async create(input: { name: string; scopes: readonly string[]; doorId?: string | null }) {
        const name = input.name.trim();
        if (!name) throw new InvalidInputError('an API key needs a name');
        const scopes = checkScopes(input.scopes);
        if (input.doorId && !(await prisma.door.findUnique({ where: { id: input.doorId } }))) throw new NotFoundError('door');
        const { key: token, prefix, secretHash } = generateApiKey();
        const key = await prisma.apiKey.create({
          data: { name, prefix, secretHash, scopes: serializeScopes(scopes), doorId: input.doorId ?? null },
        });
        return { key, token };
      },
      async revoke(id: string) {
        if (!(await prisma.apiKey.findUnique({ where: { id } }))) throw new NotFoundError('API key');
        return prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
      },
    },

    doors: {
      list: () => prisma.door.findMany({ orderBy: { name: 'asc' } }),
      get: (id: string) => prisma.door.findUnique({ where: { id } }),
      async create(name: string, location?: string | null) {
        const trimmed = name.trim();
        if (!trimmed) throw new InvalidInputError('a door needs a name');
        if (await prisma.door.findUnique({ where: { name: trimmed } })) throw new InvalidInputError(`a door named ${trimmed} exists`);
        // The server's own time zone (TZ, or the system's): a door is usually where its server is. Changed under Access.
        const door = await prisma.door.create({ data: { name: trimmed, location: location?.trim() || null, timeZone: serverTimeZone() } });
        await doorHooks?.changed(door);
        return door;
      },
      /**
       * Deletes a door and, in the same transaction, revokes every key bound to it: a door key must never
       * outlive its door as an unbound key (one that verifies at every door). Returns the keys revoked.
       */
      async remove(id: string) {
        const removed = await prisma.$transaction(async (tx) => {
          if (!(await tx.door.findUnique({ where: { id } }))) throw new NotFoundError('door');
          const keys = await tx.apiKey.findMany({ where: { doorId: id, revokedAt: null }, orderBy: { createdAt: 'asc' } });
          const revokedAt = new Date();
          await tx.apiKey.updateMany({ where: { id: { in: keys.map((k) => k.id) } }, data: { revokedAt } });
          await tx.door.delete({ where: { id } });
          return { id, revokedKeys: keys.map((k) => ({ ...k, revokedAt, doorId: null })) };
        });
        await doorHooks?.removed(id);
        return removed;
      },
    },
  };
}

export type AccessService = ReturnType<typeof createAccessService>;
