/**
 * The webhook receiver README.md documents, run exactly as written (the fenced `js`
 * block under **Webhooks**) as a child process, fed genuine deliveries from vcq's
 * deliverer and the replays an eavesdropper could make of them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Db } from '@vcq/db';
import { createEgressClient } from '@vcq/egress';
import { createTestDatabase, listenOnLoopback, type LoopbackServer, spawnNode, type VcqProcess } from '@vcq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookDeliverer, createWebhookStore, type WebhookStore } from '../src/index.js';

const SECRET = 'whsec-readme-receiver-0123456789';

let drop: () => Promise<void>;
let db: Db;
let store: WebhookStore;
let dir: string;
let receiver: VcqProcess;
let receiverUrl: string;
let tap: LoopbackServer;
/** What vcq's deliverer sent, as the receiver got it (the tap forwards it unchanged). */
const captured: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];

/** The first ```js block after the **Webhooks.** paragraph of README.md. */
async function readmeReceiver(): Promise<string> {
  const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.indexOf('**Webhooks.**');
  expect(section).toBeGreaterThan(-1);
  const match = /```js\n([\s\S]*?)\n```/.exec(readme.slice(section));
  if (!match?.[1]) throw new Error('README.md has no ```js block under **Webhooks.**');
  return match[1];
}

beforeAll(async () => {
  const database = await createTestDatabase('vcq_webhooks_readme');
  drop = database.drop;
  db = createDb(database.url, { poolSize: 2 });
  store = createWebhookStore(db);

  dir = await mkdtemp(join(tmpdir(), 'vcq-readme-receiver-'));
  const file = join(dir, 'receiver.mjs');
  await writeFile(file, await readmeReceiver());
  receiver = spawnNode('readme receiver', [file], { VCQ_WEBHOOK_SECRET: SECRET, PORT: '0' });
  const port = /listening on (\d+)/.exec(await receiver.waitForLine(/listening on \d+/))?.[1];
  receiverUrl = `http://127.0.0.1:${port}/hooks/vcq`;

  // Stands where an eavesdropper would: records each request, passes it on, answers with the receiver's answer.
  tap = await listenOnLoopback((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      captured.push({ headers: req.headers, body });
      const answer = await post(receiverUrl, req.headers, body);
      res.writeHead(answer).end();
    });
  });
});

afterAll(async () => {
  await tap?.close();
  await receiver?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  await db?.$disconnect();
  await drop?.();
});

/** POSTs `body` with vcq's webhook headers from `headers`; resolves with the status. */
async function post(url: string, headers: IncomingHttpHeaders, body: Buffer): Promise<number> {
  const pick = (name: string) => (typeof headers[name] === 'string' ? { [name]: headers[name] as string } : {});
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...pick('content-type'), ...pick('user-agent'), ...pick('x-vcq-signature'), ...pick('x-vcq-event'), ...pick('x-vcq-delivery') },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

/** A delivery of a fresh vc.issued event to the tap, sent by vcq's deliverer. */
async function deliver(): Promise<{ id: string; statusCode: number }> {
  const sourceJobId = randomUUID();
  const delivery = await store.createDelivery({
    sourceJobId,
    url: `${tap.url}/hooks/vcq`,
    event: 'vc.issued',
    payload: { event: 'vc.issued', jobId: sourceJobId, data: { credentialId: `urn:uuid:${randomUUID()}` }, createdAt: new Date().toISOString() },
  });
  const deliverer = createWebhookDeliverer({ db, secret: SECRET, timeoutMs: 5_000, egress: createEgressClient({ allowPrivateHosts: ['127.0.0.1'], timeoutMs: 5_000, maxBytes: 1024 }), schedule: [60_000] });
  const { statusCode } = await deliverer.deliver(delivery.id, 1);
  return { id: delivery.id, statusCode };
}

const receivedLines = () => receiver.lines.filter((line) => line.startsWith('received '));

describe("README's webhook receiver", () => {
  it('when vcq delivers, a replay carries a new x-vcq-delivery, and the same delivery comes again, then it takes the first, refuses the replay and deduplicates the repeat', async () => {
    const first = await deliver();
    expect(first.statusCode).toBe(204);
    await receiver.waitForLine(new RegExp(`^received ${first.id} vc\\.issued`));
    const [genuine] = captured;
    expect(genuine?.headers['x-vcq-delivery']).toBe(first.id);
    // Both schemes travel during the transition; the receiver checks v2.
    expect(genuine?.headers['x-vcq-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64},v2=[0-9a-f]{64}$/);

    // The captured request under a new delivery id, to get past the deduplication.
    const replay = await post(receiverUrl, { ...genuine!.headers, 'x-vcq-delivery': randomUUID() }, genuine!.body);
    expect(replay).toBe(401);
    // The same, signed only the old way (v1 does not cover the id): refused too.
    const v1Only = (genuine!.headers['x-vcq-signature'] as string).replace(/,v2=[0-9a-f]+/, '');
    expect(await post(receiverUrl, { ...genuine!.headers, 'x-vcq-signature': v1Only, 'x-vcq-delivery': randomUUID() }, genuine!.body)).toBe(401);
    // The genuine request again (a retry, or a replay within the five minutes): accepted, not processed twice.
    expect(await post(receiverUrl, genuine!.headers, genuine!.body)).toBe(204);

    // A later delivery is processed; its line comes after anything the repeat could have printed.
    const second = await deliver();
    expect(second.statusCode).toBe(204);
    await receiver.waitForLine(new RegExp(`^received ${second.id} `));
    expect(receivedLines().map((line) => line.split(' ')[1])).toEqual([first.id, second.id]);
  });

  it('when a body is altered in transit, then the receiver refuses it', async () => {
    await deliver();
    const genuine = captured.at(-1);
    const altered = Buffer.from(genuine!.body.toString('utf8').replace('vc.issued', 'vc.revoked'));

    expect(await post(receiverUrl, { ...genuine!.headers, 'x-vcq-delivery': randomUUID() }, altered)).toBe(401);
    expect(await post(receiverUrl, genuine!.headers, altered)).toBe(401);
  });
});
