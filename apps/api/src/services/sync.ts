import { randomUUID } from 'node:crypto';
import pg from 'pg';

export interface SyncHandlers {
  peopleChanged(ids: string[]): Promise<void>;
  eventRecorded(id: string): Promise<void>;
  settingsChanged(): Promise<void>;
  /** Another instance switched the active model (services/models/). */
  modelChanged?(): Promise<void>;
  /** The connection came back after a loss: messages may have been missed. */
  resync?(): Promise<void>;
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
  const onNotification = (n: pg.Notification) => {
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
  };
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  const connect = async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    // A lost connection (the database restarted) is reconnected; unhandled, its 'error' would end the process.
    client.on('error', (error) => lost(client, error));
    client.on('end', () => lost(client));
    client.on('notification', onNotification);
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  };
  let listener = await connect();
  function lost(client: pg.Client, error?: Error) {
    if (closed || client !== listener || retry) return;
    console.error('facegate sync: connection lost, reconnecting:', error?.message ?? 'ended');
    const attempt = (delay: number) => {
      retry = setTimeout(() => {
        connect().then(
          (next) => {
            // Closed while reconnecting: this connection is nobody's.
            if (closed) return void next.end().catch(() => undefined);
            listener = next;
            retry = null;
            // What the other instances announced meanwhile was missed: read it all again.
            handlers.resync?.().catch((e: unknown) => console.error('facegate sync: resync failed:', e));
          },
          () => attempt(Math.min(delay * 2, 5000)),
        );
      }, delay);
      retry.unref();
    };
    attempt(250);
  }
  return {
    publish(message) {
      if (closed) return; // shutting down: the other instances will reload what they need
      listener
        .query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ ...message, from: me })])
        .catch((error: unknown) => console.error('facegate sync:', error));
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      // A connection the database dropped without a word may never answer end(): do not hang the
      // shutdown on it (seen once in CI after PostgreSQL was stopped and restarted under the API).
      await Promise.race([listener.end().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    },
  };
}
