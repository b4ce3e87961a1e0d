import { randomUUID } from 'node:crypto';
import pg from 'pg';

export interface SyncHandlers {
  peopleChanged(ids: string[]): Promise<void>;
  eventRecorded(id: string): Promise<void>;
  settingsChanged(): Promise<void>;
  /** Another instance switched the active model (services/models.ts). */
  modelChanged?(): Promise<void>;
}

type Payload = { type: 'people'; ids: string[] } | { type: 'event'; id: string } | { type: 'settings' } | { type: 'model' };
type Message = { from: string } & Payload;

export interface Sync {
  /** Tell every other API instance sharing the database. */
  publish(message: Payload): void;
  close(): Promise<void>;
}

const CHANNEL = 'facegate_sync';

/**
 * Keeps API instances that share one PostgreSQL in step (galleries, live audit, settings) with
 * LISTEN/NOTIFY. The publishing instance has already applied the change itself. On SQLite there is
 * one instance, so nothing needs to travel.
 */
export async function createSync(databaseUrl: string, handlers: SyncHandlers): Promise<Sync> {
  if (!/^postgres(ql)?:/.test(databaseUrl)) return { publish() {}, async close() {} };
  const me = randomUUID();
  const listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  listener.on('notification', (n) => {
    if (n.channel !== CHANNEL || !n.payload) return;
    const message = JSON.parse(n.payload) as Message;
    if (message.from === me) return;
    // In a promise: a handler that throws at once (a notification arriving while start-up has not built
    // what it uses yet) is reported like one that fails later, not as an uncaught exception.
    const done = Promise.resolve().then(() =>
      message.type === 'people'
        ? handlers.peopleChanged(message.ids)
        : message.type === 'event'
          ? handlers.eventRecorded(message.id)
          : message.type === 'model'
            ? (handlers.modelChanged?.() ?? Promise.resolve())
            : handlers.settingsChanged(),
    );
    done.catch((error: unknown) => console.error('facegate sync:', error));
  });
  await listener.query(`LISTEN ${CHANNEL}`);
  let closed = false;
  return {
    publish(message) {
      if (closed) return; // shutting down: the other instances will reload what they need
      listener.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ ...message, from: me })]).catch((error: unknown) => console.error('facegate sync:', error));
    },
    async close() {
      closed = true;
      await listener.end();
    },
  };
}
