import { randomUUID } from 'node:crypto';
import { createDb, type Db } from '@vcq/db';
import { createEgressClient } from '@vcq/egress';
import { PermanentJobError, UpstreamError } from '@vcq/errors';
import { createTestDatabase, freePort } from '@vcq/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createWebhookDeliverer,
  createWebhookStore,
  type WebhookDelivererDeps,
  type WebhookEvent,
  type WebhookStore,
} from '../src/index.js';
import { type Receiver, startReceiver } from './receiver.js';

const SECRET = 'whsec-deliver-test-0123456789';
const SCHEDULE = [60_000, 300_000, 900_000, 3_600_000, 21_600_000];
const NOW = new Date('2026-03-01T12:00:00.000Z');

let drop: () => Promise<void>;
let db: Db;
let store: WebhookStore;
let receiver: Receiver;

beforeAll(async () => {
  const database = await createTestDatabase('vcq_webhooks_deliver');
  drop = database.drop;
  db = createDb(database.url, { poolSize: 4 });
  store = createWebhookStore(db);
});

afterAll(async () => {
  await db?.$disconnect();
  await drop?.();
});

beforeEach(async () => {
  // The deliverer signs with the fixed clock below; the receiver checks freshness against the same one.
  receiver = await startReceiver(SECRET, { now: NOW.getTime() / 1000 });
  return () => receiver.close();
});

function deliverer(overrides: Partial<WebhookDelivererDeps> = {}) {
  return createWebhookDeliverer({
    db,
    secret: SECRET,
    timeoutMs: 5_000,
    // The receivers run on loopback.
    egress: createEgressClient({ allowPrivateHosts: ['127.0.0.1', 'localhost'], timeoutMs: 5_000, maxBytes: 1024 }),
    schedule: SCHEDULE,
    now: () => NOW,
    ...overrides,
  });
}

async function newDelivery(url: string, event: WebhookEvent = 'vc.issued') {
  const sourceJobId = randomUUID();
  return store.createDelivery({
    sourceJobId,
    url,
    event,
    payload: { event, jobId: sourceJobId, data: { credentialId: 'urn:uuid:1', nested: { b: 2, a: 1 } }, createdAt: NOW.toISOString() },
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected deliver() to fail');
    },
    (error: Error) => error,
  );
}

describe('deliver', () => {
  it('when the receiver answers 500 twice then 200, then two UpstreamErrors are followed by success and every attempt is logged', async () => {
    receiver.answer(500, 500, 200);
    const delivery = await newDelivery(`${receiver.url}/hooks/vcq?tenant=7`);
    const { deliver } = deliverer();

    const first = await failure(deliver(delivery.id, 1));
    const second = await failure(deliver(delivery.id, 2));
    const third = await deliver(delivery.id, 3);

    expect(first).toBeInstanceOf(UpstreamError);
    expect(first.message).toContain('receiver answered 500');
    expect(second).toBeInstanceOf(UpstreamError);
    expect(third).toEqual({ statusCode: 200, durationMs: expect.any(Number) });

    const attempts = await store.attempts(delivery.id);
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.nextAttemptAt?.toISOString() ?? null])).toEqual([
      [1, 500, new Date(NOW.getTime() + 60_000).toISOString()],
      [2, 500, new Date(NOW.getTime() + 300_000).toISOString()],
      [3, 200, null],
    ]);
    expect(attempts[0]?.error).toContain('500');
    expect(attempts[2]?.error).toBeNull();
    for (const attempt of attempts) expect(attempt.durationMs).toBeGreaterThanOrEqual(0);

    const row = await store.get(delivery.id);
    expect(row).toMatchObject({ status: 'delivered', attemptCount: 3, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(row?.deliveredAt?.toISOString()).toBe(NOW.toISOString());

    // The receiver got the same event each time, signed, with the documented headers.
    expect(receiver.requests).toHaveLength(3);
    for (const request of receiver.requests) {
      expect(request.signatureOk).toBe(true);
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/hooks/vcq?tenant=7');
      expect(request.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'vcq-webhooks/1',
        'x-vcq-event': 'vc.issued',
        'x-vcq-delivery': delivery.id,
      });
      expect(request.body).toBe(receiver.requests[0]?.body);
    }
    const body = JSON.parse(receiver.requests[0]?.body ?? '');
    expect(Object.keys(body)).toEqual(['event', 'jobId', 'data', 'createdAt']);
    expect(body).toEqual({ event: 'vc.issued', jobId: delivery.sourceJobId, data: { credentialId: 'urn:uuid:1', nested: { a: 1, b: 2 } }, createdAt: NOW.toISOString() });
    // The signature's timestamp comes from the injected clock.
    // v1 is still sent beside v2 while receivers move to v2.
    expect(receiver.requests[0]?.headers['x-vcq-signature']).toMatch(new RegExp(`^t=${NOW.getTime() / 1000},v1=[0-9a-f]{64},v2=[0-9a-f]{64}$`));
  });

  it('when the receiver answers 400, then it is a PermanentJobError, the delivery fails and one attempt is logged', async () => {
    receiver.answer({ status: 400, body: 'unknown event type' });
    const delivery = await newDelivery(`${receiver.url}/hook`);

    const error = await failure(deliverer().deliver(delivery.id, 1));

    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error).toMatchObject({ code: 'webhook_rejected' });
    expect(error.message).toContain('receiver answered 400');
    // What the receiver wrote is its own business: never echoed into vcq's errors.
    expect(error.message).not.toContain('unknown event type');
    const attempts = await store.attempts(delivery.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, statusCode: 400, nextAttemptAt: null, error: 'receiver answered 400' });
    expect(await store.get(delivery.id)).toMatchObject({ status: 'failed', attemptCount: 1, lastStatusCode: 400, nextAttemptAt: null });
  });

  it('when the receiver never answers, then the timeout is an UpstreamError that names it', async () => {
    receiver.answer('hang');
    const delivery = await newDelivery(`${receiver.url}/slow`);

    const error = await failure(deliverer({ timeoutMs: 150 }).deliver(delivery.id, 1));

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toContain('timed out after 150 ms');
    const [attempt] = await store.attempts(delivery.id);
    expect(attempt).toMatchObject({ statusCode: null, error: 'timed out after 150 ms waiting for the receiver' });
    expect(attempt?.durationMs).toBeGreaterThanOrEqual(140);
    expect(attempt?.nextAttemptAt?.toISOString()).toBe(new Date(NOW.getTime() + 60_000).toISOString());
    expect(await store.get(delivery.id)).toMatchObject({ status: 'pending', attemptCount: 1 });
  });

  it('when nothing listens on the port, then the network error is an UpstreamError', async () => {
    const port = await freePort();
    const delivery = await newDelivery(`http://127.0.0.1:${port}/hook`);

    const error = await failure(deliverer().deliver(delivery.id, 1));

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toContain('connection refused (ECONNREFUSED)');
    expect((await store.attempts(delivery.id))[0]).toMatchObject({ statusCode: null, error: expect.stringContaining('connection refused') });
  });

  it('when every attempt of the schedule fails, then the last one marks the delivery failed and stops retries', async () => {
    receiver.answer(503, 502);
    const delivery = await newDelivery(`${receiver.url}/down`);
    const { deliver } = deliverer({ schedule: [1_000] });

    expect(await failure(deliver(delivery.id, 1))).toBeInstanceOf(UpstreamError);
    expect(await store.get(delivery.id)).toMatchObject({ status: 'pending', nextAttemptAt: new Date(NOW.getTime() + 1_000) });

    const last = await failure(deliver(delivery.id, 2));
    expect(last).toBeInstanceOf(PermanentJobError);
    expect(last).toMatchObject({ code: 'webhook_retries_exhausted' });
    expect(last.cause).toBeInstanceOf(UpstreamError);
    expect(await store.get(delivery.id)).toMatchObject({ status: 'failed', attemptCount: 2, lastStatusCode: 502, nextAttemptAt: null });
    expect((await store.attempts(delivery.id)).map((a) => a.nextAttemptAt)).toEqual([new Date(NOW.getTime() + 1_000), null]);
  });

  it('when the delivery was already delivered, then running the job again does not POST again', async () => {
    const delivery = await newDelivery(`${receiver.url}/once`);
    const { deliver } = deliverer();

    const first = await deliver(delivery.id, 1);
    const again = await deliver(delivery.id, 2);

    expect(receiver.requests).toHaveLength(1);
    expect(again).toEqual(first);
    expect(await store.attempts(delivery.id)).toHaveLength(1);
    expect(await store.get(delivery.id)).toMatchObject({ status: 'delivered', attemptCount: 1 });
  });

  it('when an attempt number already recorded runs again, then its outcome is replayed without a POST', async () => {
    receiver.answer(500);
    const delivery = await newDelivery(`${receiver.url}/replay`);
    const { deliver } = deliverer();

    expect(await failure(deliver(delivery.id, 1))).toBeInstanceOf(UpstreamError);
    expect(await failure(deliver(delivery.id, 1))).toBeInstanceOf(UpstreamError);

    expect(receiver.requests).toHaveLength(1);
    expect(await store.attempts(delivery.id)).toHaveLength(1);
  });

  it('when two runs of the same attempt race, then the attempt is recorded once', async () => {
    receiver.answer(500, 500);
    const delivery = await newDelivery(`${receiver.url}/race`);
    const { deliver } = deliverer();

    const outcomes = await Promise.allSettled([deliver(delivery.id, 1), deliver(delivery.id, 1)]);

    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(await store.attempts(delivery.id)).toHaveLength(1);
    expect(await store.get(delivery.id)).toMatchObject({ attemptCount: 1, status: 'pending' });
  });

  it('when a stalled older attempt finishes after a newer one, then it does not overwrite the newer outcome', async () => {
    receiver.answer(500, 503);
    const delivery = await newDelivery(`${receiver.url}/late`);
    const { deliver } = deliverer();

    await failure(deliver(delivery.id, 2));
    await failure(deliver(delivery.id, 1));

    expect(await store.get(delivery.id)).toMatchObject({ attemptCount: 2, lastStatusCode: 500, nextAttemptAt: new Date(NOW.getTime() + 300_000) });
    expect((await store.attempts(delivery.id)).map((a) => a.statusCode)).toEqual([503, 500]);
  });

  it('when the receiver redirects, then the redirect is not followed and the delivery fails for good', async () => {
    receiver.answer({ status: 302, headers: { location: `${receiver.url}/elsewhere` } });
    const delivery = await newDelivery(`${receiver.url}/moved`);

    const error = await failure(deliverer().deliver(delivery.id, 1));

    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error).toMatchObject({ code: 'webhook_redirected' });
    expect(error.message).toContain('receiver answered 302 (a redirect); redirects are not followed');
    // The Location header is the receiver's text, not repeated in vcq's error.
    expect(error.message).not.toContain('/elsewhere');
    expect(receiver.requests.map((r) => r.path)).toEqual(['/moved']);
    expect(await store.get(delivery.id)).toMatchObject({ status: 'failed', lastStatusCode: 302 });
  });

  it('when the receiver is not on the egress allowlist at delivery time, then the URL is refused without a POST', async () => {
    const delivery = await newDelivery(`${receiver.url}/private`);
    const strict = createEgressClient({ allowPrivateHosts: [], timeoutMs: 5_000, maxBytes: 1024 });

    const error = await failure(deliverer({ egress: strict }).deliver(delivery.id, 1));

    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error).toMatchObject({ code: 'destination_refused' });
    expect(receiver.requests).toHaveLength(0);
    const [attempt] = await store.attempts(delivery.id);
    expect(attempt).toMatchObject({ statusCode: null, nextAttemptAt: null, error: expect.stringContaining('(loopback)') });
    expect(await store.get(delivery.id)).toMatchObject({ status: 'failed' });
  });

  it('when the host is localhost and it is on the egress allowlist, then it is delivered', async () => {
    const delivery = await newDelivery(`${receiver.url.replace('127.0.0.1', 'localhost')}/by-name`);

    await expect(deliverer().deliver(delivery.id, 1)).resolves.toMatchObject({ statusCode: 200 });
    expect(receiver.requests[0]?.headers.host).toMatch(/^localhost:\d+$/);
  });

  it('when the deliverer uses the real clock, then a receiver with default freshness checks accepts the signature', async () => {
    const realTime = await startReceiver(SECRET);
    try {
      const delivery = await newDelivery(`${realTime.url}/now`);
      await deliverer({ now: undefined }).deliver(delivery.id, 1);
      expect(realTime.requests[0]?.signatureOk).toBe(true);
    } finally {
      await realTime.close();
    }
  });

  it('when the delivery does not exist, then it is a PermanentJobError', async () => {
    const error = await failure(deliverer().deliver(randomUUID(), 1));
    expect(error).toMatchObject({ code: 'webhook_delivery_not_found' });
    expect(error).toBeInstanceOf(PermanentJobError);
  });
});
