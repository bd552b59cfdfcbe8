/**
 * Everything in the API that waits on a job (Prefer: wait, the VC API routes, SSE)
 * shares one JobWaiter: waiting requests are told by the `jobs` trigger's
 * notifications, so a job that does not change costs no reads at all, however many
 * wait on it. A real API and worker, Postgres and Redis; the store's reads are
 * counted by a call-through spy on the API's one JobStore, which every waiting path
 * reads through.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitFor, jsonClient, type Json, startWorld, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { JobWaiter } from '@vcq/jobs';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

const WAITERS = 300;
let world: World;
let api: ApiServer;
let worker: WorkerProcess;

beforeAll(async () => {
  world = await startWorld();
  const config = world.config({ PREFER_WAIT_MAX_SECONDS: '30' });
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await Promise.allSettled([api?.close(), worker?.close()]);
  await world?.close();
});

const call = jsonClient(() => api.url);

/** Counts the API store's row reads (one SQL statement each) while they go through to Postgres. */
function countReads() {
  const store = api.platform.store;
  const get = vi.spyOn(store, 'get');
  const getMany = vi.spyOn(store, 'getMany');
  return {
    get total() {
      return get.mock.calls.length + getMany.mock.calls.length;
    },
    restore() {
      get.mockRestore();
      getMany.mockRestore();
    },
  };
}

/** A verification that needs no I/O (its VC-JWT is malformed), submitted with Prefer: wait. */
const verifyWaiting = (seconds: number) => call('POST', '/api/credentials/verify', { vcJwt: 'not.a.jwt' }, { prefer: `wait=${seconds}` });

const queuedVerifications = async () =>
  Number((await world.sql<{ n: string }>(`SELECT count(*)::text AS n FROM jobs WHERE queue = 'vc-verification' AND status = 'queued'`))[0]?.n);

/** Lets the paused verification queue run again and waits until it has drained. */
async function resumeAndDrain(): Promise<void> {
  expect((await call('POST', '/queue/vc-verification/resume')).status).toBe(200);
  await waitFor(async () => (await queuedVerifications()) === 0, { what: 'the verification queue to drain' });
}

describe('Prefer: wait on one waiter', () => {
  it(`when ${WAITERS} requests wait on jobs that stay queued, then the store is read as they join, and not again while nothing changes`, async () => {
    expect((await call('POST', '/queue/vc-verification/pause')).status).toBe(200);
    const reads = countReads();
    try {
      const started = performance.now();
      const answers = Promise.all(Array.from({ length: WAITERS }, () => verifyWaiting(3)));
      // Every request has its row and is waiting on it.
      await waitFor(async () => (await queuedVerifications()) === WAITERS, { what: 'the waiting rows', timeoutMs: 20_000 });
      await waitFor(() => reads.total > 0, { what: 'the first read of the waiters' });
      const joinedMs = performance.now() - started;
      const readsWhileJoining = reads.total;
      const done = await answers;
      const elapsedMs = performance.now() - started;

      expect(done.map((a) => a.status)).toEqual(Array(WAITERS).fill(202));
      expect(done.every((a) => a.headers.get('preference-applied') === 'wait=3')).toBe(true);
      console.log(JSON.stringify({ figure: 'prefer_wait_reads', waiters: WAITERS, elapsedMs: Math.round(elapsedMs), joinedMs: Math.round(joinedMs), readsWhileJoining, storeReads: reads.total }));
      // At most one read per join (joins close together share one); once all have
      // joined, the unchanged rows are not read again, where a poll would go on reading
      // every tick. A few reads may still be under way as the last requests join.
      expect(readsWhileJoining).toBeLessThanOrEqual(WAITERS);
      expect(reads.total - readsWhileJoining).toBeLessThanOrEqual(3);
    } finally {
      reads.restore();
      await resumeAndDrain();
    }
  });

  it(`when ${WAITERS} waiting jobs are let run, then each request answers 200 with its finished job`, async () => {
    expect((await call('POST', '/queue/vc-verification/pause')).status).toBe(200);
    const answers = Promise.all(Array.from({ length: WAITERS }, () => verifyWaiting(30)));
    // Every request has its row (and is waiting on it) before the jobs may run.
    await waitFor(async () => (await queuedVerifications()) === WAITERS, { what: 'the waiting rows', timeoutMs: 20_000 });
    const resumed = performance.now();
    expect((await call('POST', '/queue/vc-verification/resume')).status).toBe(200);

    const done = await answers;
    console.log(JSON.stringify({ figure: 'prefer_wait_answered', waiters: WAITERS, msFromResumeToLastAnswer: Math.round(performance.now() - resumed) }));
    expect(done.map((a) => a.status)).toEqual(Array(WAITERS).fill(200));
    for (const answer of done) {
      expect(answer.body).toMatchObject({ status: 'completed', result: { valid: false, error: 'malformed' } });
    }
  });

  it('when the VC API verifies, then it answers with the finished job through the same waiter', async () => {
    const reads = countReads();
    try {
      const res = await call('POST', '/credentials/verify', { verifiableCredential: 'not.a.jwt' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ verified: false });
      // Read by the waiter only: getMany, never a per-request get.
      expect(vi.mocked(api.platform.store.get).mock.calls.length).toBe(0);
      expect(reads.total).toBeGreaterThan(0);
    } finally {
      reads.restore();
    }
  });
});

describe('a wait on a job that is cancelled', () => {
  it('when the job is cancelled while requests wait on it, then Prefer: wait answers 200 with the cancelled job and the VC API a 409', async () => {
    expect((await call('POST', '/queue/vc-verification/pause')).status).toBe(200);
    try {
      const preferWait = verifyWaiting(30);
      const vcApi = call('POST', '/credentials/verify', { verifiableCredential: 'not.a.jwt' });
      await waitFor(async () => (await queuedVerifications()) === 2, { what: 'the two waiting rows' });
      const ids = await world.sql<{ id: string }>(`SELECT id FROM jobs WHERE queue = 'vc-verification' AND status = 'queued'`);
      for (const { id } of ids) expect((await call('DELETE', `/queue/vc-verification/job/${id}`)).body.data).toMatchObject({ cancelled: true });

      const [waited, vc] = await Promise.all([preferWait, vcApi]);
      expect(waited.status).toBe(200);
      expect(waited.body.status).toBe('cancelled');
      expect(vc.status).toBe(409);
      expect(vc.body.type).toBe('urn:vcq:problem:job_cancelled');
    } finally {
      await resumeAndDrain();
    }
  });
});

describe('the API’s JobWaiter', () => {
  it('when a second listener joins a row already watched, then it is told the row at once, not only at its next change', async () => {
    const waiter = new JobWaiter({ store: api.platform.store, connectionString: world.config().DATABASE_URL });
    try {
      expect((await call('POST', '/queue/vc-verification/pause')).status).toBe(200);
      const submitted = await verifyWaiting(0);
      expect(submitted.status).toBe(202);
      const id = submitted.body.jobId as string;
      const first: Json[] = [];
      const unwatch = waiter.watch(id, (job) => first.push(job));
      await waitFor(() => first.length > 0, { what: 'the first listener' });
      // The row has not changed since: the second wait is answered from its own first read.
      const row = await waiter.wait(id, ['queued'], 5000);
      expect(row).toMatchObject({ id, status: 'queued' });
      unwatch();
    } finally {
      await waiter.close();
      await resumeAndDrain();
    }
  });
});
