import { randomUUID } from 'node:crypto';
import { createDb, type Db } from '@vcq/db';
import { ValidationError } from '@vcq/errors';
import { createTestDatabase } from '@vcq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookStore, type NewDelivery, type WebhookStore } from '../src/index.js';

let drop: () => Promise<void>;
let db: Db;
let store: WebhookStore;

beforeAll(async () => {
  const database = await createTestDatabase('vcq_webhooks_store');
  drop = database.drop;
  db = createDb(database.url, { poolSize: 4 });
  store = createWebhookStore(db);
});

afterAll(async () => {
  await db?.$disconnect();
  await drop?.();
});

function input(overrides: Partial<NewDelivery> = {}): NewDelivery {
  const sourceJobId = overrides.sourceJobId ?? randomUUID();
  const event = overrides.event ?? 'did.created';
  return {
    sourceJobId,
    url: 'https://receiver.example/hook',
    event,
    payload: { event, jobId: sourceJobId, data: { did: 'did:key:z6Mk' }, createdAt: '2026-03-01T12:00:00.000Z' },
    ...overrides,
  };
}

describe('createWebhookStore', () => {
  it('when a delivery is created, then it is pending with no attempts', async () => {
    const created = await store.createDelivery(input());

    expect(created).toMatchObject({ status: 'pending', attemptCount: 0, jobId: null, lastStatusCode: null, nextAttemptAt: null });
    expect(await store.get(created.id)).toEqual(created);
    expect(await store.attempts(created.id)).toEqual([]);
  });

  it('when the same (sourceJobId, event, url) is created twice, then the second call returns the first row', async () => {
    const first = input();
    const a = await store.createDelivery(first);
    const b = await store.createDelivery({ ...first, payload: { ...first.payload, data: { other: true } } });

    expect(b.id).toBe(a.id);
    expect(b.payload).toEqual(first.payload);
  });

  it('when callers race on the same outcome, then one row results', async () => {
    const same = input();
    const rows = await Promise.all([1, 2, 3, 4].map(() => store.createDelivery(same)));
    expect(new Set(rows.map((r) => r.id)).size).toBe(1);
  });

  it('when the URL is spelled differently but means the same, then it is the same delivery', async () => {
    const first = input({ url: 'HTTPS://Receiver.Example:443/hook' });
    const a = await store.createDelivery(first);
    const b = await store.createDelivery({ ...first, url: 'https://receiver.example/hook' });
    expect(b.id).toBe(a.id);
    expect(a.url).toBe('https://receiver.example/hook');
  });

  it('when the event or URL differs, then it is a separate delivery', async () => {
    const sourceJobId = randomUUID();
    const a = await store.createDelivery(input({ sourceJobId }));
    const failed = input({ sourceJobId, event: 'job.failed' });
    const b = await store.createDelivery(failed);
    const c = await store.createDelivery(input({ sourceJobId, url: 'https://other.example/hook' }));
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
  });

  it('when the payload disagrees with the delivery or is malformed, then it is a ValidationError', async () => {
    const good = input();
    await expect(store.createDelivery({ ...good, payload: { ...good.payload, jobId: randomUUID() } })).rejects.toThrow(ValidationError);
    await expect(store.createDelivery({ ...good, payload: { ...good.payload, createdAt: 'yesterday' } })).rejects.toThrow(ValidationError);
  });

  it('when the payload has no data, then it is stored as null so the body still carries the key', async () => {
    const { data: _, ...noData } = input().payload;
    const created = await store.createDelivery({ ...input({ sourceJobId: noData.jobId, event: noData.event }), payload: { ...noData, data: undefined } });
    expect(created.payload).toHaveProperty('data', null);
  });

  it('when the job id is set, then get returns it', async () => {
    const created = await store.createDelivery(input());
    const jobId = randomUUID();
    await store.setJobId(created.id, jobId);
    expect((await store.get(created.id))?.jobId).toBe(jobId);
  });

  it('when the id is unknown, then get returns null', async () => {
    expect(await store.get(randomUUID())).toBeNull();
  });
});
