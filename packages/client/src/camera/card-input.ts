import { createServer, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import type { MqttClient } from 'mqtt';

/** Card ids from a reader, kept for `windowMs`: the next attempt within it verifies (1:1) that card. */
export class CardInbox {
  private pending: { cardId: string; at: number } | null = null;
  constructor(
    private readonly windowMs: number,
    private readonly onCard: (cardId: string) => void,
  ) {}

  put(raw: string): void {
    const cardId = raw.trim();
    if (!cardId || cardId.length > 200) return;
    this.pending = { cardId, at: performance.now() };
    this.onCard(cardId);
  }

  /** The card swiped within the window, consumed: one swipe, one attempt. */
  take(now = performance.now()): string | null {
    const card = this.pending && now - this.pending.at <= this.windowMs ? this.pending.cardId : null;
    this.pending = null;
    return card;
  }

  has(now = performance.now()): boolean {
    return this.pending !== null && now - this.pending.at <= this.windowMs;
  }
}

/** One card id per line on stdin (a reader that types, or a script). */
export function readCardsFromStdin(inbox: CardInbox): () => void {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => inbox.put(line));
  return () => lines.close();
}

/** POST /card with the card id as the body (text, or JSON {"cardId": "..."}); 204 when taken. */
export function serveCards(inbox: CardInbox, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/card') return res.writeHead(404).end();
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 1000) req.destroy();
    });
    req.on('end', () => {
      const cardId = cardIdOf(body);
      if (!cardId) return res.writeHead(400, { 'content-type': 'text/plain' }).end('send the card id as the body, or {"cardId": "..."}\n');
      inbox.put(cardId);
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** Card ids published on an MQTT topic (the same text or JSON as over HTTP). */
export async function subscribeCards(inbox: CardInbox, client: MqttClient, topic: string): Promise<void> {
  client.on('message', (received, payload) => {
    if (received !== topic) return;
    const cardId = cardIdOf(payload.toString('utf8'));
    if (cardId) inbox.put(cardId);
  });
  await client.subscribeAsync(topic, { qos: 1 });
}

function cardIdOf(body: string): string | null {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const id = (JSON.parse(text) as { cardId?: unknown }).cardId;
      return typeof id === 'string' && id.trim() ? id.trim() : null;
    } catch {
      return null;
    }
  }
  return text || null;
}
