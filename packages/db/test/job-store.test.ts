import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@vcq/testing';
import { createDb, DuplicateJobError, JobStore, type Db, type JobRecord } from '../src/index.js';

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

  it('when writes keep arriving while statements run, then two run at once, never both holding the same row, and every outcome lands', async () => {
    // Count the statements running at once by wrapping the client's raw query (a client
    // createDb did not make runs the hot statements through Prisma's $queryRawUnsafe).
    let running = 0;
    let most = 0;
    const held = new Set<string>();
    let shared = 0;
    const counting = new Proxy(db, {
      get(target, key, receiver) {
        if (key !== '$queryRawUnsafe') return Reflect.get(target, key, receiver);
        return async (...args: unknown[]) => {
          // The statement's rows travel as one JSON parameter.
          const ids = (JSON.parse(args.find((a) => typeof a === 'string' && a.startsWith('[')) as string) as Array<{ id: string }>).map((r) => r.id);
          running++;
          most = Math.max(most, running);
          for (const id of ids) {
            if (held.has(id)) shared++;
            held.add(id);
          }
          try {
            return await (target.$queryRawUnsafe as (...a: unknown[]) => Promise<unknown>)(...args);
          } finally {
            running--;
            for (const id of ids) held.delete(id);
          }
        };
      },
    });
    const busy = new JobStore(counting as Db, { flushMs: 1, maxBatch: 20, maxInFlight: 2 });
    const jobs = await Promise.all(Array.from({ length: 120 }, () => newJob()));

    // Every job writes started, then completed, as a worker does; many rows and many
    // writes per row make statements overlap.
    await Promise.all(
      jobs.map(async (j, i) => {
        void busy.started(j.id, 1);
        await busy.progress(j.id, 1, 40);
        await busy.completed(j.id, 1, { i });
      }),
    );
    await busy.close();

    expect(most).toBe(2);
    expect(shared).toBe(0);
    const rows = await db.job.findMany({ where: { id: { in: jobs.map((j) => j.id) } }, orderBy: { createdAt: 'asc' } });
    expect(rows.every((r) => r.status === 'completed' && r.progress === 100 && r.startedAt !== null)).toBe(true);
    expect(new Set(rows.map((r) => (r.result as { i: number }).i)).size).toBe(120);
  });

  it('when a job ends within the start delay, then its row goes from queued to its outcome in one write, with its real start time', async () => {
    const held = new JobStore(db, { flushMs: 1, maxBatch: 50, startDelayMs: 10_000 });
    const [job, other] = await Promise.all([newJob(), newJob()]);
    const startedAt = new Date(Date.now() - 1000);
    const before = held.writes.flushes;
    void held.writes.write({ id: job.id, attempt: 1, status: 'processing', at: startedAt });
    void held.progress(job.id, 1, 30);
    // Another job's outcome is written (a flush happens); the held start is not in it.
    expect(await held.completed(other.id, 1, { ok: true })).toBe(true);
    expect(held.writes.flushes).toBe(before + 1);
    expect((await store.get(job.id))?.status).toBe('queued');
    // The outcome is not held, and takes the start (and its time) with it.
    expect(await held.completed(job.id, 1, { ok: true })).toBe(true);
    expect(held.writes.flushes).toBe(before + 2);
    const row = await store.get(job.id);
    expect(row).toMatchObject({ status: 'completed', progress: 100, result: { ok: true }, attempt: 1 });
    expect(row?.startedAt?.getTime()).toBe(startedAt.getTime());
    await held.close();
  });

  it('when a job runs past the start delay, then its row shows processing and its progress before the outcome', async () => {
    const held = new JobStore(db, { flushMs: 1, maxBatch: 50, startDelayMs: 30 });
    const job = await newJob();
    const started = Date.now();
    // The start resolves once it is written: after the delay, not before.
    expect(await held.started(job.id, 1)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect((await store.get(job.id))?.status).toBe('processing');
    expect(await held.progress(job.id, 1, 40)).toBe(true);
    expect((await store.get(job.id))?.progress).toBe(40);
    expect(await held.completed(job.id, 1, { ok: true })).toBe(true);
    expect((await store.get(job.id))?.status).toBe('completed');
    await held.close();
  });

  it('when an attempt fails with retries left, then its error is written at once, not held like a start', async () => {
    const held = new JobStore(db, { flushMs: 1, maxBatch: 50, startDelayMs: 60_000 });
    const job = await newJob();
    void held.started(job.id, 1);
    expect(await held.failed(job.id, 1, { code: 'upstream_failed', message: 'peer down' }, false)).toBe(true);
    expect(await store.get(job.id)).toMatchObject({ status: 'processing', error: { code: 'upstream_failed' } });
    await held.close();
  });

  it('when the store closes with a start still held, then the start is written at once', async () => {
    const held = new JobStore(db, { flushMs: 1, maxBatch: 50, startDelayMs: 60_000 });
    const job = await newJob();
    const write = held.started(job.id, 1);
    await held.close();
    expect(await write).toBe(true);
    expect((await store.get(job.id))?.status).toBe('processing');
  });

  it('when jobs are created at once, then they share a statement, and a taken id fails alone as a DuplicateJobError', async () => {
    const taken = await newJob();
    const ids = Array.from({ length: 30 }, () => randomUUID());
    const job = (id: string) => ({ id, queue: 'verification', name: 'verify', data: { id }, mode: 'async' as const, maxAttempts: 3 });

    const results = await Promise.allSettled([...ids.map((id) => store.create(job(id))), store.create(job(taken.id)), store.create(job(ids[0] as string))]);

    expect(results.slice(0, 30).every((r) => r.status === 'fulfilled')).toBe(true);
    const created = (results[3] as PromiseFulfilledResult<JobRecord>).value;
    expect(created).toMatchObject({ id: ids[3], status: 'queued', mode: 'async', attempt: 0, maxAttempts: 3, progress: 0, data: { id: ids[3] }, result: null, error: null, startedAt: null });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(results.slice(30).map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(DuplicateJobError), expect.any(DuplicateJobError)]);
    expect(await db.job.count({ where: { id: { in: [...ids, taken.id] } } })).toBe(31);
    const sync = await store.create({ ...job(randomUUID()), mode: 'sync' });
    expect(sync).toMatchObject({ status: 'processing', attempt: 1, mode: 'sync' });
    expect(sync.startedAt).toBeInstanceOf(Date);
  });

  it('when one write in a batch is something Postgres refuses, then only that job\'s write fails', async () => {
    const jobs = await Promise.all(Array.from({ length: 5 }, () => newJob()));
    // An attempt number past Postgres's int range: the statement refuses the whole batch.
    const writes = jobs.map((j, i) => store.completed(j.id, i === 2 ? 2 ** 40 : 1, { i }));

    const results = await Promise.allSettled(writes);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const rows = await db.job.findMany({ where: { id: { in: jobs.map((j) => j.id) } } });
    expect(rows.filter((r) => r.status === 'completed')).toHaveLength(4);
  });

  it('when an outcome holds text jsonb refuses (NUL, lone surrogates, in keys and values, at depth), then it is stored with U+FFFD in their place', async () => {
    const [done, failed, retried] = await Promise.all([newJob(), newJob(), newJob()]);
    const nul = String.fromCharCode(0);
    const result = {
      valid: true,
      claims: { [`k${nul}ey`]: `a${nul}b`, deep: [[{ lone: 'x\ud800y', low: '\udc00', pair: '\ud83d\ude00' }]] },
      // Escaped backslashes before a "u" are text, not an escape: kept as they are.
      literal: '\\u0000',
    };
    const writes = [
      store.completed(done.id, 1, result),
      store.failed(failed.id, 1, { code: 'x', message: `bad${nul}\udfff` }, true),
      store.failed(retried.id, 1, { code: 'x', message: '\ud800' }, false),
    ];

    expect(await Promise.all(writes)).toEqual([true, true, true]);
    const rows = new Map((await db.job.findMany({ where: { id: { in: [done.id, failed.id, retried.id] } } })).map((r) => [r.id, r]));
    expect(rows.get(done.id)).toMatchObject({
      status: 'completed',
      result: {
        valid: true,
        claims: { 'k\ufffdey': 'a\ufffdb', deep: [[{ lone: 'x\ufffdy', low: '\ufffd', pair: '\ud83d\ude00' }]] },
        literal: '\\u0000',
      },
    });
    expect(rows.get(failed.id)).toMatchObject({ status: 'failed', error: { code: 'x', message: 'bad\ufffd\ufffd' } });
    expect(rows.get(retried.id)).toMatchObject({ status: 'processing', error: { code: 'x', message: '\ufffd' } });
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

  it('when open rows are looked up for reconciling, then async rows and sync rows whose lease expired come back, past the grace period', async () => {
    const queue = `q-${randomUUID()}`;
    const open = await store.create({ id: randomUUID(), queue, name: 'verify', data: {}, mode: 'async', maxAttempts: 3 });
    const running = await store.create({ id: randomUUID(), queue, name: 'verify', data: {}, mode: 'sync', maxAttempts: 1, leaseMs: 60_000 });
    const orphan = await store.create({ id: randomUUID(), queue, name: 'verify', data: {}, mode: 'sync', maxAttempts: 1, leaseMs: 60_000 });
    await store.db.job.update({ where: { id: orphan.id }, data: { leaseUntil: new Date(Date.now() - 1000) } });
    const done = await store.create({ id: randomUUID(), queue, name: 'verify', data: {}, mode: 'async', maxAttempts: 3 });
    await store.completed(done.id, 1, {});
    const none = await store.findOpenAsync({ graceMs: 60_000, limit: 100 });
    expect(none.map((r) => r.id)).not.toContain(open.id);
    const found = (await store.findOpenAsync({ graceMs: 0, limit: 10_000 })).filter((r) => r.queue === queue);
    expect(found.map((r) => r.id).sort()).toEqual([open.id, orphan.id].sort());
    expect(found.map((r) => r.id)).not.toContain(running.id);
  });

  it('when a sync row is adopted, then only an expired lease lets it go: it turns async with the given attempts after its own', async () => {
    const queue = `q-${randomUUID()}`;
    const row = await store.create({ id: randomUUID(), queue, name: 'verify', data: {}, mode: 'sync', maxAttempts: 1, leaseMs: 60_000 });
    expect(await store.adopt(row.id, 3)).toBeNull();
    expect(await store.renewLease(row.id, 60_000)).toBe(true);
    // The process that ran it died a minute ago.
    await store.db.job.update({ where: { id: row.id }, data: { leaseUntil: new Date(Date.now() - 60_000) } });
    const adopted = await store.adopt(row.id, 3);
    expect(adopted).toMatchObject({ mode: 'async', leaseUntil: null, attempt: 1, maxAttempts: 4, status: 'processing' });
    // The run no longer owns it: its renewals are refused.
    expect(await store.renewLease(row.id, 60_000)).toBe(false);
  });
});

describe('JobStore batches', () => {
  const newBatch = (n: number) =>
    store.createBatch({
      id: randomUUID(),
      data: { childKind: 'verify', total: n, pollBase: '/api/verification-jobs/' },
      organizationId: 'default',
      children: Array.from({ length: n }, (_, i) => ({ id: randomUUID(), kind: 'verify', queue: 'verification', name: 'verify', data: { i }, maxAttempts: 3 })),
    });

  it('when a batch is created, then parent and children are committed together, the children in order and linked', async () => {
    const { parent, children } = await newBatch(3);
    const rows = await store.childrenOf(parent.id);
    expect(rows.map((r) => [r.id, r.batchIndex, r.parentId, r.status])).toEqual(children.map((c, i) => [c.id, i, parent.id, 'queued']));
    expect(await store.get(parent.id)).toMatchObject({ kind: 'batch', queue: 'batches', status: 'queued', parentId: null });
  });

  it('when a batch would be half-written (a taken child id), then nothing of it is', async () => {
    const taken = await newJob();
    const parentId = randomUUID();
    await expect(
      store.createBatch({
        id: parentId,
        data: {},
        organizationId: 'default',
        children: [
          { id: randomUUID(), kind: 'verify', queue: 'verification', name: 'verify', data: {}, maxAttempts: 3 },
          { id: taken.id, kind: 'verify', queue: 'verification', name: 'verify', data: {}, maxAttempts: 3 },
        ],
      }),
    ).rejects.toThrow();
    expect(await store.get(parentId)).toBeNull();
    expect(await store.childrenOf(parentId)).toEqual([]);
  });

  it('when children end one by one, then the parent’s progress is the share that ended, and the last completes it with a summary', async () => {
    const { parent, children } = await newBatch(3);
    const [a, b, c] = children as [JobRecord, JobRecord, JobRecord];
    await store.completed(a.id, 1, { ok: true });
    expect(await store.settleBatch(parent.id, '/api/verification-jobs/')).toMatchObject({ status: 'processing', progress: 33, result: null });
    await store.failed(b.id, 1, { code: 'registry_not_found', message: 'no registry' }, true);
    expect(await store.settleBatch(parent.id, '/api/verification-jobs/')).toMatchObject({ status: 'processing', progress: 66 });
    await store.completed(c.id, 1, { ok: true });
    const done = await store.settleBatch(parent.id, '/api/verification-jobs/');
    expect(done).toMatchObject({ status: 'completed', progress: 100 });
    expect(done?.completedAt).not.toBeNull();
    expect(done?.result).toEqual({
      total: 3,
      completed: 2,
      failed: 1,
      children: [
        { index: 0, jobId: a.id, status: 'completed', pollUrl: `/api/verification-jobs/${a.id}`, error: null, errorCode: null },
        { index: 1, jobId: b.id, status: 'failed', pollUrl: `/api/verification-jobs/${b.id}`, error: 'no registry', errorCode: 'registry_not_found' },
        { index: 2, jobId: c.id, status: 'completed', pollUrl: `/api/verification-jobs/${c.id}`, error: null, errorCode: null },
      ],
    });
  });

  it('when the last child’s end is settled many times at once (redelivery), then the parent is completed once', async () => {
    const { parent, children } = await newBatch(4);
    await Promise.all(children.map((c) => store.completed(c.id, 1, { ok: true })));
    const settled = await Promise.all(Array.from({ length: 12 }, () => store.settleBatch(parent.id, '/p/')));
    const first = settled[0];
    expect(first?.status).toBe('completed');
    // Every answer is the one completion: a second one would have moved completedAt and updatedAt.
    for (const s of settled) expect({ completedAt: s?.completedAt, updatedAt: s?.updatedAt }).toEqual({ completedAt: first?.completedAt, updatedAt: first?.updatedAt });
    const again = await store.settleBatch(parent.id, '/p/');
    expect(again?.updatedAt).toEqual(first?.updatedAt);
    expect(await store.findUnsettledBatches({ graceMs: 0, limit: 100 })).not.toContainEqual(expect.objectContaining({ id: parent.id }));
  });

  it('when a batch’s children have all ended but it was never settled, then it is found as unsettled; open batch rows are not the reconciler’s to re-add', async () => {
    const { parent, children } = await newBatch(2);
    expect((await store.findOpenAsync({ graceMs: 0, limit: 1000 })).map((r) => r.id)).not.toContain(parent.id);
    expect((await store.findUnsettledBatches({ graceMs: 0, limit: 100 })).map((r) => r.id)).not.toContain(parent.id);
    await Promise.all(children.map((c) => store.completed(c.id, 1, {})));
    expect((await store.findUnsettledBatches({ graceMs: 0, limit: 100 })).map((r) => r.id)).toContain(parent.id);
  });
});
