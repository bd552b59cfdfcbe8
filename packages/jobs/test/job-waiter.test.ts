/**
 * The one wait primitive: job rows in a real Postgres, changed the ways vcq changes
 * them (the store's coalesced writes, a plain UPDATE), and waiters told by the `jobs`
 * trigger's notifications, or by polling when they cannot listen.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb, JobStore, type Db } from '@vcq/db';
import { createTestDatabase } from '@vcq/testing';
import { JobWaiter } from '../src/job-waiter.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let store: JobStore;
const waiters: JobWaiter[] = [];

beforeAll(async () => {
  database = await createTestDatabase('vcq_waiter');
  db = createDb(database.url);
  store = new JobStore(db, { flushMs: 2, maxBatch: 1000 });
});

afterAll(async () => {
  await Promise.all(waiters.map((w) => w.close()));
  await store?.close();
  await db?.$disconnect();
  await database?.drop();
});

function waiter(options: Partial<ConstructorParameters<typeof JobWaiter>[0]> = {}): JobWaiter {
  const made = new JobWaiter({ store, connectionString: database.url, ...options });
  waiters.push(made);
  return made;
}

const newJob = () => store.create({ id: randomUUID(), queue: 'toy', name: 'toy', data: {}, mode: 'async', maxAttempts: 3 });

/** Resolves once the waiter's LISTEN is in place (it connects when the first job is watched). */
async function listening(w: JobWaiter): Promise<void> {
  const job = await newJob();
  expect(await w.wait(job.id, ['queued'], 5000)).toMatchObject({ id: job.id });
  expect(w.isListening).toBe(true);
}

describe('JobWaiter on notifications', () => {
  it('when a watched job completes, then the wait resolves with the finished row', async () => {
    const w = waiter();
    const job = await newJob();
    const done = w.wait(job.id, ['completed', 'failed'], 10_000);
    await store.started(job.id, 1);
    await store.completed(job.id, 1, { answer: 42 });
    expect(await done).toMatchObject({ id: job.id, status: 'completed', result: { answer: 42 } });
  });

  it('when the job has already ended before the wait starts, then the wait resolves from its first read', async () => {
    const w = waiter();
    const job = await newJob();
    await store.failed(job.id, 1, { code: 'boom', message: 'it broke' }, true);
    expect(await w.wait(job.id, ['completed', 'failed'], 5000)).toMatchObject({ status: 'failed', error: { code: 'boom' } });
  });

  it('when waits follow one another as each read ends, then none is left unread', async () => {
    const w = waiter();
    const jobs = await Promise.all(Array.from({ length: 40 }, () => newJob()));
    await Promise.all(jobs.map((job) => store.completed(job.id, 1, null)));
    // Each wait joins just as the previous one's read resolves it, the moment a lost mark would be left behind.
    for (const job of jobs) expect(await w.wait(job.id, ['completed'], 2000)).toMatchObject({ id: job.id });
  });

  it('when watched jobs stay unchanged, then no row is read after the first read, however long they are waited on', async () => {
    const w = waiter();
    await listening(w);
    const jobs = await Promise.all(Array.from({ length: 50 }, () => newJob()));
    const getMany = vi.spyOn(store, 'getMany');
    try {
      const seen = new Set<string>();
      const unwatch = jobs.map((job) => w.watch(job.id, () => seen.add(job.id)));
      await vi.waitFor(() => expect(seen.size).toBe(50));
      const afterFirstRead = getMany.mock.calls.length;
      // The 50 joins of one burst share their first read.
      expect(afterFirstRead).toBeLessThanOrEqual(2);
      // An unrelated job changes: its notification names no watched row, so nothing is read.
      const other = await newJob();
      const otherDone = w.wait(other.id, ['completed'], 5000);
      await store.completed(other.id, 1, null);
      await otherDone;
      const readsForOther = getMany.mock.calls.length - afterFirstRead;
      // Joining and finishing the other job's wait: its own two reads, none for the 50.
      for (const call of getMany.mock.calls.slice(afterFirstRead)) expect(call[0]).toEqual([other.id]);
      expect(readsForOther).toBeLessThanOrEqual(2);
      for (const stop of unwatch) stop();
    } finally {
      getMany.mockRestore();
    }
  });

  it('when one statement ends 450 watched jobs, then every wait resolves (the ids arrive in several notifications)', async () => {
    const w = waiter();
    await listening(w);
    const jobs = await Promise.all(Array.from({ length: 450 }, () => newJob()));
    const all = w.waitAll(
      jobs.map((j) => j.id),
      ['cancelled'],
      10_000,
    );
    await db.$executeRawUnsafe(`UPDATE jobs SET status = 'cancelled' WHERE id = ANY($1::uuid[])`, jobs.map((j) => j.id));
    const rows = await all;
    expect(rows?.map((r) => r.status)).toEqual(Array(450).fill('cancelled'));
  });

  it('when progress is reported, then a watcher is told each new value and not the same row twice', async () => {
    const w = waiter();
    const job = await newJob();
    const told: number[] = [];
    const unwatch = w.watch(job.id, (row) => told.push(row.progress));
    await vi.waitFor(() => expect(told).toEqual([0]));
    for (const percent of [10, 60]) {
      await store.progress(job.id, 1, percent);
      await vi.waitFor(() => expect(told.at(-1)).toBe(percent));
    }
    // A write that changes nothing watched (same status, progress and attempt) tells nobody.
    await db.$executeRawUnsafe(`UPDATE jobs SET updated_at = now() WHERE id = $1::uuid`, job.id);
    await store.completed(job.id, 1, null);
    await vi.waitFor(() => expect(told).toEqual([0, 10, 60, 100]));
    unwatch();
  });

  it('when a wait runs out, or the waiter closes, then it resolves with null', async () => {
    const w = waiter();
    const job = await newJob();
    expect(await w.wait(job.id, ['completed'], 50)).toBeNull();
    const pending = w.wait(job.id, ['completed'], 60_000);
    await w.close();
    expect(await pending).toBeNull();
    expect(await w.wait(job.id, ['completed'], 60_000)).toBeNull();
  });
});

describe('JobWaiter without notifications', () => {
  it('when it has no database to listen on, then it polls and still sees the job end', async () => {
    const w = waiter({ connectionString: undefined, fallbackPollMs: 20 });
    const job = await newJob();
    const done = w.wait(job.id, ['completed'], 10_000);
    await store.completed(job.id, 1, { polled: true });
    expect(await done).toMatchObject({ result: { polled: true } });
    expect(w.isListening).toBe(false);
  });

  it('when its LISTEN connection cannot be made, then it polls meanwhile and the wait still resolves', async () => {
    // A port nothing listens on: the LISTEN connection fails, the reads (the store's pool) work.
    const w = waiter({ connectionString: 'postgresql://postgres@127.0.0.1:1/none', fallbackPollMs: 20, reconnectMs: 60_000 });
    const job = await newJob();
    const done = w.wait(job.id, ['completed'], 10_000);
    await store.completed(job.id, 1, null);
    expect(await done).toMatchObject({ status: 'completed' });
    expect(w.isListening).toBe(false);
  });

  it('when its LISTEN connection is killed, then it polls, listens again, and waits keep resolving', async () => {
    const w = waiter({ fallbackPollMs: 20, reconnectMs: 50 });
    await listening(w);
    await db.$executeRawUnsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN vcq_job_changes'`);
    const job = await newJob();
    const done = w.wait(job.id, ['completed'], 10_000);
    await store.completed(job.id, 1, null);
    expect(await done).toMatchObject({ status: 'completed' });
    await vi.waitFor(() => expect(w.isListening).toBe(true), { timeout: 5000 });
    const next = await newJob();
    const nextDone = w.wait(next.id, ['completed'], 10_000);
    await store.completed(next.id, 1, null);
    expect(await nextDone).toMatchObject({ status: 'completed' });
  });
});
