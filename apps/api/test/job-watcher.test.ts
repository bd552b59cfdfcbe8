/**
 * Everything in the API that waits on a job (Prefer: wait, the VC API routes, SSE)
 * shares one watcher: hundreds of waiting requests cost its ticks, not a query per
 * request per poll. A real API and worker, Postgres and Redis; the store's reads are
 * counted by a call-through spy on the API's one JobStore, which every waiting path
 * (the watcher, and the old per-request poll alike) reads through.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitFor } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../worker/src/worker.js';
import { JobWatcher } from '../src/job-watcher.js';
import { startApi, type ApiServer } from '../src/server.js';
import { jsonClient, type Json, startWorld, type World } from './fixtures.js';

const WAITERS = 300;
// The API's watcher reads every watched row once per tick (job-watcher.ts).
const TICK_MS = 50;
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

describe('Prefer: wait on one watcher', () => {
  it(`when ${WAITERS} requests wait on jobs that stay queued, then the store is read about once per tick, not per request`, async () => {
    expect((await call('POST', '/queue/vc-verification/pause')).status).toBe(200);
    const reads = countReads();
    try {
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: WAITERS }, () => verifyWaiting(2)));
      const elapsedMs = performance.now() - started;

      expect(answers.map((a) => a.status)).toEqual(Array(WAITERS).fill(202));
      expect(answers.every((a) => a.headers.get('preference-applied') === 'wait=2')).toBe(true);
      const ticks = Math.ceil(elapsedMs / TICK_MS);
      console.log(JSON.stringify({ figure: 'prefer_wait_reads', waiters: WAITERS, elapsedMs: Math.round(elapsedMs), ticks, storeReads: reads.total, readsPerRequestPerSecond: reads.total / WAITERS / (elapsedMs / 1000) }));
      // One read per tick, plus slack for ticks that start as a wait ends; polling per
      // request (one read each 20 ms) would be about WAITERS * 100 here.
      expect(reads.total).toBeLessThanOrEqual(ticks + 5);
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

  it('when the VC API verifies, then it answers with the finished job through the same watcher', async () => {
    const reads = countReads();
    try {
      const res = await call('POST', '/credentials/verify', { verifiableCredential: 'not.a.jwt' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ verified: false });
      // Read by the watcher's ticks only: getMany, never a per-request get.
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

describe('JobWatcher', () => {
  it('when a second listener joins a row already watched, then it is told the row at the next tick, not only at its next change', async () => {
    const watcher = new JobWatcher(api.platform.store, 10);
    try {
      expect((await call('POST', '/queue/vc-verification/pause')).status).toBe(200);
      const submitted = await verifyWaiting(0);
      expect(submitted.status).toBe(202);
      const id = submitted.body.jobId as string;
      const first: Json[] = [];
      const unwatch = watcher.watch(id, (job) => first.push(job));
      await waitFor(() => first.length > 0, { what: 'the first listener' });
      // The row has not changed since: the second wait is answered from the next tick all the same.
      const row = await watcher.waitFor(id, ['queued'], 5000);
      expect(row).toMatchObject({ id, status: 'queued' });
      unwatch();
    } finally {
      watcher.close();
      await resumeAndDrain();
    }
  });

  it('when a wait runs out, or the watcher closes, then it resolves with null', async () => {
    const watcher = new JobWatcher(api.platform.store, 10);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(await watcher.waitFor(missing, ['completed'], 50)).toBeNull();
    const pending = watcher.waitFor(missing, ['completed'], 60_000);
    watcher.close();
    expect(await pending).toBeNull();
    expect(await watcher.waitFor(missing, ['completed'], 60_000)).toBeNull();
  });
});
