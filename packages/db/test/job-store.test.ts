import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@vcq/testing';
import { createDb, JobStore, type Db } from '../src/index.js';

let db: Db;
let store: JobStore;
let dropDb: () => Promise<void>;

beforeAll(async () => {
  const test = await createTestDatabase('vcq_store');
  dropDb = test.drop;
  db = createDb(test.url);
  store = new JobStore(db, { flushMs: 5, maxBatch: 500 });
});

afterAll(async () => {
  await store.close();
  await db.$disconnect();
  await dropDb();
});

const newJob = async (mode: 'async' | 'sync' = 'async') =>
  store.create({ id: randomUUID(), queue: 'verification', name: 'verify', data: { n: 1 }, mode, maxAttempts: 3 });

describe('JobStore writes', () => {
  it('when many jobs write at once, then the writes are coalesced into a few statements', async () => {
    const jobs = await Promise.all(Array.from({ length: 200 }, () => newJob()));
    const before = store.writes.flushes;
    await Promise.all(
      jobs.flatMap((j) => [
        store.started(j.id, 1),
        store.progress(j.id, 1, 10),
        store.progress(j.id, 1, 30),
        store.progress(j.id, 1, 50),
        store.completed(j.id, 1, { ok: true }),
      ]),
    );
    const statements = store.writes.flushes - before;
    // 1,000 writes for 200 jobs inside one flush window: one statement, at most a couple.
    expect(statements).toBeLessThanOrEqual(3);
    const rows = await db.job.findMany({ where: { id: { in: jobs.map((j) => j.id) } } });
    expect(rows).toHaveLength(200);
    for (const row of rows) {
      expect(row.status).toBe('completed');
      expect(row.progress).toBe(100);
      expect(row.attempt).toBe(1);
      expect(row.result).toEqual({ ok: true });
      expect(row.completedAt).not.toBeNull();
      expect(row.startedAt).not.toBeNull();
    }
  });

  it('when a stale attempt writes after a newer one, then the newer outcome stays', async () => {
    const job = await newJob();
    await store.started(job.id, 1);
    await store.started(job.id, 2);
    expect(await store.completed(job.id, 2, { from: 2 })).toBe(true);
    // The stalled duplicate of attempt 1 finishes late and tries to write its failure.
    expect(await store.failed(job.id, 1, { code: 'x', message: 'stale' }, true)).toBe(false);
    const row = await store.get(job.id);
    expect(row?.status).toBe('completed');
    expect(row?.attempt).toBe(2);
    expect(row?.result).toEqual({ from: 2 });
    expect(row?.error).toBeNull();
  });

  it('when a job is completed, then no later write of the same attempt reopens it', async () => {
    const job = await newJob();
    await store.completed(job.id, 1, { v: 1 });
    expect(await store.progress(job.id, 1, 50)).toBe(false);
    expect(await store.failed(job.id, 1, { code: 'x', message: 'late' }, true)).toBe(false);
    const row = await store.get(job.id);
    expect(row?.status).toBe('completed');
    expect(row?.progress).toBe(100);
  });

  it('when progress arrives out of order within an attempt, then it never goes backwards', async () => {
    const job = await newJob();
    await store.progress(job.id, 1, 70);
    await store.progress(job.id, 1, 30);
    expect((await store.get(job.id))?.progress).toBe(70);
    // A new attempt starts over.
    await store.progress(job.id, 2, 10);
    const row = await store.get(job.id);
    expect(row?.progress).toBe(10);
    expect(row?.attempt).toBe(2);
  });

  it('when an attempt fails but retries remain, then the row stays processing with the error recorded', async () => {
    const job = await newJob();
    await store.failed(job.id, 1, { code: 'upstream_failed', message: 'manifest host answered 500' }, false);
    let row = await store.get(job.id);
    expect(row?.status).toBe('processing');
    expect(row?.error).toEqual({ code: 'upstream_failed', message: 'manifest host answered 500' });
    await store.completed(job.id, 2, { ok: true });
    row = await store.get(job.id);
    expect(row?.status).toBe('completed');
    expect(row?.error).toBeNull();
  });

  it('when the final attempt fails, then the row is failed with its error', async () => {
    const job = await newJob();
    await store.failed(job.id, 3, { code: 'upstream_failed', message: 'gone' }, true);
    const row = await store.get(job.id);
    expect(row?.status).toBe('failed');
    expect(row?.completedAt).not.toBeNull();
  });

  it('when rows are listed and counted, then filters, paging and counts agree', async () => {
    const queue = `q-${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const job = await store.create({ id: randomUUID(), queue, name: 'verify', data: { i }, mode: 'async', maxAttempts: 3 });
      ids.push(job.id);
    }
    await store.completed(ids[0] as string, 1, {});
    await store.failed(ids[1] as string, 1, { code: 'c', message: 'm' }, true);
    const counts = await store.countByStatus(queue);
    expect(counts).toEqual({ queued: 3, processing: 0, completed: 1, failed: 1, cancelled: 0 });
    const page = await store.list({ queue, status: 'queued', limit: 2, offset: 0 });
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(2);
    const rest = await store.list({ queue, status: 'queued', limit: 2, offset: 2 });
    expect(rest.items).toHaveLength(1);
  });

  it('when open rows are looked up for reconciling, then only async rows past the grace period come back', async () => {
    const queue = `q-${randomUUID()}`;
    const open = await store.create({ id: randomUUID(), queue, name: 'verify', data: {}, mode: 'async', maxAttempts: 3 });
    await store.create({ id: randomUUID(), queue, name: 'verify', data: {}, mode: 'sync', maxAttempts: 1 });
    const done = await store.create({ id: randomUUID(), queue, name: 'verify', data: {}, mode: 'async', maxAttempts: 3 });
    await store.completed(done.id, 1, {});
    const none = await store.findOpenAsync({ graceMs: 60_000, limit: 100 });
    expect(none.map((r) => r.id)).not.toContain(open.id);
    const found = (await store.findOpenAsync({ graceMs: 0, limit: 10_000 })).filter((r) => r.queue === queue);
    expect(found.map((r) => r.id)).toEqual([open.id]);
  });
});
