/**
 * A job's error as callers see it is vcq's own message. A handler that hits a real
 * Postgres error (a query on a table that does not exist) fails its job with a
 * generic `internal_error` in GET /api/jobs/:id, in its job.failed webhook and in
 * what BullMQ stores (failedReason, stacktrace: what the dashboard shows), while the
 * logs keep the whole error. Real API, real BullMQ workers, real Postgres and Redis;
 * only the failing handlers are this test's own.
 */
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '@vcq/config';
import { INTERNAL_ERROR_MESSAGE, PermanentJobError } from '@vcq/errors';
import { catalogFromConfig, createServices, createStoreFromConfig, type Handlers } from '@vcq/app';
import { closeRedis, createProducerConnection, createWorkerConnection, QueueSet, startWorkers, waitForReady } from '@vcq/jobs';
import { createLogger } from '@vcq/logger';
import { waitFor, jsonClient, type Json, startHookCollector, startWorld, type World } from '@vcq/testing';
import { startApi, type ApiServer } from '../src/server.js';

let world: World;
let api: ApiServer;
let workers: Awaited<ReturnType<typeof startToyWorkers>>;
let hooks: Awaited<ReturnType<typeof startHookCollector>>;
const workerLog: string[] = [];

beforeAll(async () => {
  world = await startWorld();
  hooks = await startHookCollector();
  const config = world.config({ JOB_ATTEMPTS: '2' });
  [api, workers] = await Promise.all([startApi(config), startToyWorkers(config)]);
});

afterAll(async () => {
  await Promise.allSettled([api?.close(), workers?.close(), hooks?.close()]);
  await world?.close();
});

/** vcq's workers with its real handlers, but DID creation runs SQL Postgres refuses and deactivation fails for good. */
async function startToyWorkers(config: Config) {
  const logger = createLogger({
    level: 'warn',
    destination: new Writable({
      write(chunk, _encoding, done) {
        workerLog.push(chunk.toString());
        done();
      },
    }),
  });
  const { db, store } = createStoreFromConfig(config, logger);
  const producer = createProducerConnection(config.REDIS_URL, config.REDIS_TIMEOUT_MS, logger);
  const connection = createWorkerConnection(config.REDIS_URL, logger);
  const queues = new QueueSet({ catalog: catalogFromConfig(config), connection: producer, prefix: config.QUEUE_PREFIX, timeoutMs: config.REDIS_TIMEOUT_MS });
  const { handlers, platform } = createServices(config, { db, store, queues, logger });
  await waitForReady(producer, config.REDIS_TIMEOUT_MS);
  const toy: Handlers = {
    ...handlers,
    'did-create': async () => {
      await db.$queryRawUnsafe('SELECT secret_column FROM no_such_table_in_vcq');
      throw new Error('unreachable: the query fails');
    },
    'did-deactivate': async () => {
      throw new PermanentJobError('this DID cannot be deactivated here');
    },
  };
  const runtime = startWorkers({
    connection,
    prefix: config.QUEUE_PREFIX,
    catalog: queues.catalog,
    store,
    handlers: toy,
    logger,
    concurrency: 5,
    onFinished: platform.finishedHook,
    queues: ['did-operations', 'webhooks'],
  });
  const bull = new Queue('did-operations', { connection: producer, prefix: config.QUEUE_PREFIX });
  return {
    bull,
    async close() {
      await runtime.close(5000);
      await bull.close();
      await store.close();
      await queues.close();
      await Promise.all([closeRedis(producer), closeRedis(connection)]);
      await db.$disconnect();
    },
  };
}

const call = jsonClient(() => api.url);

/** Neither a server path, nor SQL, nor Prisma's or the driver's words. */
const leaks = /\/work\/|\bat .+:\d+:\d+|no_such_table|secret_column|SELECT|Prisma|P2010|relation|\.ts\b/i;

const failedJob = async (jobId: string) => {
  await waitFor(async () => (await call('GET', `/api/jobs/${jobId}`)).body.status === 'failed', { timeoutMs: 15_000, what: `job ${jobId} to fail` });
  return (await call('GET', `/api/jobs/${jobId}`)).body;
};

describe("a job's error is vcq's own", () => {
  it('when a handler hits a real Postgres error, then the job, its webhook and BullMQ show a generic internal_error, and only the log has the SQL', async () => {
    const res = await call('POST', '/api/dids', { method: 'key', callbackUrl: `${hooks.url}/failed` });
    expect(res.status).toBe(202);
    const jobId = res.body.jobId as string;

    const job = await failedJob(jobId);
    expect(job).toMatchObject({ status: 'failed', error: INTERNAL_ERROR_MESSAGE, errorCode: 'internal_error', attempt: 2 });
    expect(JSON.stringify(job)).not.toMatch(leaks);

    // The row is closed before the worker hands the error to BullMQ: wait for BullMQ's side too.
    await waitFor(async () => (await workers.bull.getJobState(jobId)) === 'failed', { timeoutMs: 15_000, what: `BullMQ to fail job ${jobId}` });
    const queued = await workers.bull.getJob(jobId);
    expect(queued?.failedReason).toBe(INTERNAL_ERROR_MESSAGE);
    // One entry per attempt (JOB_ATTEMPTS 2), each vcq's message alone: no frames, no paths.
    expect(queued?.stacktrace).toEqual([`Error: ${INTERNAL_ERROR_MESSAGE}`, `Error: ${INTERNAL_ERROR_MESSAGE}`]);
    for (const trace of queued?.stacktrace ?? []) expect(trace).not.toMatch(leaks);

    await waitFor(() => hooks.delivered.some((event) => event.jobId === jobId), { timeoutMs: 15_000, what: 'the job.failed webhook' });
    const event = hooks.delivered.find((e) => e.jobId === jobId) as Json;
    expect(event).toMatchObject({ event: 'job.failed', data: { error: { code: 'internal_error', message: INTERNAL_ERROR_MESSAGE } } });
    expect(JSON.stringify(event)).not.toMatch(leaks);

    // The operator still gets the whole story.
    expect(workerLog.join('')).toContain('no_such_table_in_vcq');
  });

  it('when a handler fails for good with vcq error, then its message is shown, and BullMQ keeps no stack frames', async () => {
    const res = await call('POST', `/api/dids/${encodeURIComponent('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK')}/deactivate`);
    expect(res.status).toBe(202);
    const jobId = res.body.jobId as string;

    const job = await failedJob(jobId);
    expect(job).toMatchObject({ status: 'failed', error: 'this DID cannot be deactivated here', errorCode: 'permanent_failure', attempt: 1 });
    await waitFor(async () => (await workers.bull.getJobState(jobId)) === 'failed', { timeoutMs: 15_000, what: `BullMQ to fail job ${jobId}` });
    const queued = await workers.bull.getJob(jobId);
    expect(queued?.failedReason).toBe('this DID cannot be deactivated here');
    expect(queued?.stacktrace).toEqual(['UnrecoverableError: this DID cannot be deactivated here']);
  });
});
