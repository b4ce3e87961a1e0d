import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDoorClient, FacegateGraphQLError, FacegateHttpError, FacegateNetworkError } from '../src/index.ts';
import { IdentifyFaceDocument, WhoAmIDocument } from '../src/operations.ts';
import { createTransport } from '../src/transport.ts';

// The wire format on its own, where the real API (test/integration/door-client.test.ts) cannot be made
// to misbehave: server-sent events split at arbitrary bytes, CRLF line ends, multipart maps for a burst,
// and each kind of transport failure. These servers answer by hand what the specs say.
let server: Server | null = null;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<string> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

const event = { id: 'e1', createdAt: '2026-11-29T02:00:00.000Z', decision: 'ACCEPTED', reason: 'match', decidedLabel: 'Zoë Ångström' };

describe('@facegate/client on the wire', () => {
  it('sends one photo or a burst as a GraphQL multipart request with the preflight header and the key', async () => {
    const seen: { headers: IncomingMessage['headers']; form: FormData }[] = [];
    const url = await serve(async (req, res, body) => {
      const form = await new Response(body, { headers: { 'content-type': req.headers['content-type']! } }).formData();
      seen.push({ headers: req.headers, form });
      const field = String(form.get('operations')).includes('verifyFace') ? 'verifyFace' : 'identifyFace';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { [field]: { __typename: 'BusyError', code: 'BUSY', message: 'busy', retryAfterSeconds: 2 } } }));
    });
    const client = createDoorClient({ url, key: 'fg_test' });
    const answer = await client.identifyFace([new Uint8Array([1, 2, 3]), new File([new Uint8Array([4, 5])], 'b.jpg')], { doorId: 'd1' });
    expect(answer).toEqual({ ok: false, error: { __typename: 'BusyError', code: 'BUSY', message: 'busy', retryAfterSeconds: 2 } });
    await client.verifyFace({ cardId: '1042' }, new Uint8Array([9]));

    const [burst, single] = seen;
    expect(burst!.headers).toMatchObject({ authorization: 'Bearer fg_test', 'graphql-require-preflight': '1' });
    const operations = JSON.parse(String(burst!.form.get('operations')));
    expect(operations.query).toMatch(/^\s*mutation DoorIdentifyFace/);
    expect(operations.variables).toEqual({ frames: [null, null], doorId: 'd1' });
    expect(JSON.parse(String(burst!.form.get('map')))).toEqual({ 0: ['variables.frames.0'], 1: ['variables.frames.1'] });
    expect([...new Uint8Array(await (burst!.form.get('1') as File).arrayBuffer())]).toEqual([4, 5]);
    expect((burst!.form.get('1') as File).name).toBe('b.jpg');
    expect(JSON.parse(String(single!.form.get('operations'))).variables).toEqual({ input: { cardId: '1042', image: null, doorId: null } });
    expect(JSON.parse(String(single!.form.get('map')))).toEqual({ 0: ['variables.input.image'] });
    await expect(client.identifyFace([1, 2, 3, 4, 5, 6].map((n) => new Uint8Array([n])))).rejects.toThrow(RangeError);
  });

  it('reads server-sent events split anywhere, with CRLF and keep-alive comments, until complete', async () => {
    const payload = JSON.stringify({ data: { recognitionEvents: event } });
    const stream = `:\n\nevent: next\r\ndata: ${payload}\r\n\r\n:\n\nevent: next\ndata: ${JSON.stringify({ data: { recognitionEvents: { ...event, id: 'e2' } } })}\n\nevent: complete\ndata:\n\n`;
    const url = await serve((req, res) => {
      expect(req.headers.accept).toBe('text/event-stream');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Three bytes at a time: events and even UTF-8 sequences straddle chunks.
      const bytes = Buffer.from(stream);
      let at = 0;
      const timer = setInterval(() => {
        res.write(bytes.subarray(at, at + 3));
        at += 3;
        if (at >= bytes.length) {
          clearInterval(timer);
          res.end();
        }
      }, 1);
    });
    const { ready, events } = createDoorClient({ url, key: 'fg_test' }).recognitionEvents();
    await ready;
    const got = [];
    for await (const e of events) got.push([e.id, e.decidedLabel]);
    expect(got).toEqual([
      ['e1', 'Zoë Ångström'],
      ['e2', 'Zoë Ångström'],
    ]);
  });

  it('throws typed errors: GraphQL errors in a stream or a body, HTTP statuses, unreachable servers', async () => {
    let mode = 'stream-error';
    const url = await serve((_req, res) => {
      if (mode === 'stream-error') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          `:\n\nevent: next\ndata: ${JSON.stringify({ errors: [{ message: 'Not authorized', extensions: { code: 'UNAUTHORIZED' } }] })}\n\n`,
        );
      } else if (mode === 'json-error') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: 'Cannot query field "x"' }] }));
      } else {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<h1>Bad gateway</h1>');
      }
    });
    const client = createDoorClient({ url, key: 'fg_test' });
    const refused = client.recognitionEvents();
    const error = await refused.events.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FacegateGraphQLError);
    expect((error as FacegateGraphQLError).code).toBe('UNAUTHORIZED');

    mode = 'json-error';
    await expect(client.completeStepUp('a', '4826')).rejects.toBeInstanceOf(FacegateGraphQLError);
    mode = 'proxy';
    await expect(client.completeStepUp('a', '4826')).rejects.toMatchObject({ name: 'FacegateHttpError', status: 502 });
    await expect(client.whoAmI()).rejects.toBeInstanceOf(FacegateHttpError);

    const gone = createDoorClient({ url: 'http://127.0.0.1:9/graphql', key: 'fg_test' });
    await expect(gone.whoAmI()).rejects.toBeInstanceOf(FacegateNetworkError);
  });

  it('as the dashboard uses it: its headers, no key for a sign-in, a File by its name, partial data kept with the errors', async () => {
    const seen: { headers: IncomingMessage['headers']; body: Buffer }[] = [];
    const url = await serve((req, res, body) => {
      seen.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { me: null }, errors: [{ message: 'Not authorized', extensions: { code: 'UNAUTHORIZED' } }] }));
    });
    const anonymous = createTransport({ url, headers: { 'x-forwarded-for': '203.0.113.9', 'graphql-require-preflight': '1' } });
    const error = await anonymous.request(WhoAmIDocument, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FacegateGraphQLError);
    expect((error as FacegateGraphQLError).data).toEqual({ me: null });
    expect(seen[0]!.headers).toMatchObject({ 'x-forwarded-for': '203.0.113.9', 'graphql-require-preflight': '1' });
    expect(seen[0]!.headers.authorization).toBeUndefined();

    const signedIn = createTransport({ url, key: 'session-token' });
    await signedIn.request(IdentifyFaceDocument, { image: new File([new Uint8Array([1])], 'ann.jpg') }).catch(() => undefined);
    await signedIn.request(IdentifyFaceDocument, { image: new File([new Uint8Array([1])], '') }).catch(() => undefined);
    expect(seen[1]!.headers.authorization).toBe('Bearer session-token');
    const names = await Promise.all(
      seen.slice(1).map(async ({ headers, body }) => {
        const form = await new Response(body, { headers: { 'content-type': headers['content-type']! } }).formData();
        return (form.get('0') as File).name;
      }),
    );
    expect(names).toEqual(['ann.jpg', 'frame-0.jpg']);
  });
});
