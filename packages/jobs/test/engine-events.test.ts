/**
 * The engine's typed events, asserted as values: a real BullMQ worker on a Redis
 * prefix of its own, job rows in a Postgres database of their own, and a toy catalog
 * of the test's making (random queue names; the queue and the store are the real ones).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createDb, JobStore, type Db } from '@vcq/db';
import { PermanentJobError } from '@vcq/errors';
import { createLogger } from '@vcq/logger';
import { createTestDatabase } from '@vcq/testing';
import { z } from 'zod';
import { type Catalog, exponential, type Handlers, Priority } from '../src/catalog.js';
import type { EngineEventMap } from '../src/events.js';
import { QueueSet } from '../src/queues.js';
import { startWorkers, type WorkerRuntime } from '../src/worker-runtime.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let store: JobStore;
let producer: Redis;
let consumer: Redis;
let queues: QueueSet<typeof catalog>;
let runtime: WorkerRuntime;
const prefix = `vcq-events-${randomUUID().slice(0, 8)}`;
const logger = createLogger({ level: 'silent' });
/** Attempts each job of the test has made, by id. */
const attempts = new Map<string, number>();

const run = randomUUID().slice(0, 8);
const [queueA, queueB] = [`toy-a-${run}`, `toy-b-${run}`];
const entry = (queue: string, name: string) => ({ queue, name, schema: z.object({ n: z.number() }).loose(), attempts: 3, retry: exponential(10), priority: Priority.NORMAL });
// A toy catalog: one entry that reports progress, one that fails for good, one that fails once.
const catalog = {
  measure: entry(queueA, 'measure'),
  refuse: entry(queueB, 'refuse'),
  flaky: entry(queueB, 'flaky'),
} satisfies Catalog;
const handlers: Handlers<typeof catalog> = {
  measure: async (_data, ctx) => {
    ctx.progress(40);
    ctx.progress(80);
    return { valid: true };
  },
  refuse: async () => {
    throw new PermanentJobError('this DID cannot be deactivated');
  },
  flaky: async (_data, ctx) => {
    const n = (attempts.get(ctx.jobId) ?? 0) + 1;
    attempts.set(ctx.jobId, n);
    if (n === 1) throw new Error('a peer did not answer');
    return { updated: true };
  },
};

beforeAll(async () => {
  database = await createTestDatabase('vcq_events');
  db = createDb(database.url);
  store = new JobStore(db, { flushMs: 2, maxBatch: 500 });
  producer = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  consumer = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queues = new QueueSet({ catalog, connection: producer, prefix, timeoutMs: 5000 });
  runtime = startWorkers({ connection: consumer, prefix, catalog, store, handlers, logger, concurrency: 2 });
});

afterAll(async () => {
  await runtime?.close(5000);
  await queues?.close();
  const keys = await producer.keys(`${prefix}:*`);
  if (keys.length > 0) await producer.del(...keys);
  producer?.disconnect();
  consumer?.disconnect();
  await store?.close();
  await db?.$disconnect();
  await database?.drop();
});

/** Every event of job `id`, in order, until it completes or fails for good. */
function recordUntilEnd(id: string): Promise<Array<[keyof EngineEventMap, unknown]>> {
  const seen: Array<[keyof EngineEventMap, unknown]> = [];
  const names = ['job:started', 'job:progress', 'job:completed', 'job:failed'] as const;
  return new Promise((resolve) => {
    const listeners = names.map((name) => {
      const listener = (event: { id: string; final?: boolean }) => {
        if (event.id !== id) return;
        seen.push([name, event]);
        if (name === 'job:completed' || (name === 'job:failed' && event.final)) {
          for (const [i, n] of names.entries()) runtime.events.off(n, listeners[i] as never);
          resolve(seen);
        }
      };
      runtime.events.on(name, listener as never);
      return listener;
    });
  });
}

async function submit(name: keyof typeof catalog, data: Record<string, unknown>, id: string = randomUUID()): Promise<string> {
  const def = catalog[name];
  await store.create({ id, kind: name, queue: def.queue, name: def.name, data, mode: 'async', maxAttempts: 3 });
  await queues.add(name, id, data);
  return id;
}

describe('engine events', () => {
  it('when a runtime starts and closes, then its queue reports worker:ready, then worker:closed', async () => {
    const more = startWorkers({ connection: consumer.duplicate(), prefix, catalog, store, handlers, logger, concurrency: 1, queues: [queueA] });
    // Workers connect after start-up returns, so listeners attached now see them get ready.
    const ready = more.events.next('worker:ready', ({ queue }) => queue === queueA, 10_000);
    const closed = more.events.next('worker:closed', ({ queue }) => queue === queueA, 10_000);
    expect(await ready).toEqual({ queue: queueA });
    await more.close(5000);
    expect(await closed).toEqual({ queue: queueA });
  });

  it('when a job reports progress and completes, then started, each progress value and completed are emitted in order', async () => {
    const id = randomUUID();
    const events = recordUntilEnd(id);
    await submit('measure', { n: 1 }, id);
    const seen = await events;
    expect(seen.map(([name]) => name)).toEqual(['job:started', 'job:progress', 'job:progress', 'job:completed']);
    expect(seen[0]?.[1]).toEqual({ queue: queueA, name: 'measure', id, attempt: 1 });
    expect(seen.slice(1, 3).map(([, e]) => (e as { progress: number }).progress)).toEqual([40, 80]);
    // Emitted once the outcome is committed: the row already says so.
    expect((await store.get(id))?.status).toBe('completed');
  });

  it('when a handler fails for good, then one final job:failed carries its error', async () => {
    const id = await submit('refuse', { n: 2 });
    const failed = await runtime.events.next('job:failed', (e) => e.id === id, 20_000);
    expect(failed).toMatchObject({ id, attempt: 1, final: true, error: { code: 'permanent_failure', message: 'this DID cannot be deactivated' } });
    expect((await store.get(id))?.status).toBe('failed');
  });

  it('when an attempt fails and the retry succeeds, then a non-final job:failed comes before the second start and the completion', async () => {
    const id = randomUUID();
    const events = recordUntilEnd(id);
    await submit('flaky', { n: 3 }, id);
    const seen = await events;
    expect(seen.map(([name, e]) => `${name}:${(e as { attempt: number }).attempt}`)).toEqual(['job:started:1', 'job:failed:1', 'job:started:2', 'job:completed:2']);
    // Not a domain error: its text stays in the logs, the event says what the row says.
    expect(seen[1]?.[1]).toMatchObject({ final: false, error: { code: 'internal_error' } });
  });

  it('when a listener throws, then the job still completes and listener:error says which event', async () => {
    const boom = () => {
      throw new Error('listener bug');
    };
    runtime.events.on('job:started', boom);
    try {
      const reported = runtime.events.next('listener:error', () => true, 20_000);
      const id = await submit('measure', { n: 4 });
      const completed = await runtime.events.next('job:completed', (e) => e.id === id, 20_000);
      expect(completed.id).toBe(id);
      expect((await reported).event).toBe('job:started');
    } finally {
      runtime.events.off('job:started', boom);
    }
  });
});
