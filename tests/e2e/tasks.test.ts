/**
 * Maintenance tasks through the HTTP API with a real worker, Postgres and Redis:
 * the task list, manual runs, cleanup's retention, and `POST /webhooks/retry-all`
 * re-queueing deliveries that Redis lost. (Ticks across several worker processes are
 * in apps/worker/test/schedules.test.ts.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, auth, jsonClient, type Json, startWorld, testRedisUrl, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';


let world: World;
let api: ApiServer;
let worker: WorkerProcess;
let redis: Redis;

beforeAll(async () => {
  world = await startWorld();
  const config = world.config({
    // The first retry is a minute away: long enough to lose the delayed job under it.
    WEBHOOK_RETRY_SCHEDULE_MS: '60000,60000',
    PREFER_WAIT_MAX_SECONDS: '20',
    // Only cleanup is scheduled, and far away: nothing runs between the tests' own triggers.
    RECONCILE_ENABLED: 'false',
    WEBHOOK_RETRY_SWEEP_ENABLED: 'false',
    CLEANUP_CRON: '0 0 1 1 *',
  });
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
  redis = new Redis(testRedisUrl());
});

afterAll(async () => {
  redis?.disconnect();
  await Promise.allSettled([api?.close(), worker?.close()]);
  await world?.close();
});

const call = jsonClient(() => api.url);

describe('GET /admin/tasks', () => {
  it('when listed, then each task shows its cron, whether it is on, its next tick and its last run', async () => {
    const res = await call('GET', '/admin/tasks');
    expect(res.status).toBe(200);
    expect(res.body.data.schedulingEnabled).toBe(true);
    const tasks = Object.fromEntries((res.body.data.tasks as Json[]).map((t) => [t.name, t]));
    expect(Object.keys(tasks).sort()).toEqual(['cleanup', 'reconcile', 'vc-events', 'webhook-retry-sweep']);
    const nextNewYear = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1)).toISOString();
    expect(tasks.cleanup).toMatchObject({ queue: 'maintenance', jobName: 'cleanup', cron: '0 0 1 1 *', timezone: 'UTC', enabled: true, scheduled: true, nextRunAt: nextNewYear });
    expect(tasks.reconcile).toMatchObject({ cron: '* * * * *', enabled: false, scheduled: false, nextRunAt: null });
    // No analytics API configured: the VC-event processor is off.
    expect(tasks['vc-events']).toMatchObject({ queue: 'vc-events', jobName: 'process-window', cron: '0 */2 * * *', enabled: false, scheduled: false });
  });

  it('when the key is not an admin key, then it is refused', async () => {
    const anonymous = await fetch(`${api.url}/admin/tasks`);
    expect(anonymous.status).toBe(401);
  });
});

describe('POST /admin/tasks/:name/run', () => {
  it('when reconcile is triggered, then a worker runs it, it re-adds a job Redis lost, and the run can be polled', async () => {
    // An open row the queue never got: the reconcile task must put it there.
    const jobId = randomUUID();
    await world.sql(
      `INSERT INTO jobs (id, kind, queue, name, status, mode, data, max_attempts, created_at, updated_at)
       VALUES ($1, 'did-create', 'did-operations', 'create', 'queued', 'async', '{"method":"key"}', 3, now() - interval '1 minute', now() - interval '1 minute')`,
      [jobId],
    );
    const res = await call('POST', '/admin/tasks/reconcile/run');
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ task: 'reconcile', mode: 'async', status: 'queued', run: null, jobId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) });
    expect(res.headers.get('location')).toBe(res.body.data.pollUrl);

    const run = await waitFor(
      async () => {
        const runs = (await call('GET', res.body.data.pollUrl as string)).body.data.runs as Json[];
        return runs[0]?.status === 'completed' ? runs[0] : undefined;
      },
      { what: 'the reconcile run' },
    );
    expect(run).toMatchObject({ task: 'reconcile', trigger: 'manual', jobId: res.body.data.jobId, scheduledFor: null, result: { readded: 1 } });
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
    const job = await waitFor(async () => {
      const j = (await call('GET', `/api/jobs/${jobId}`)).body;
      return j.status === 'completed' ? j : undefined;
    });
    expect(job.result.did).toMatch(/^did:key:/);

    const listed = (await call('GET', '/admin/tasks')).body.data.tasks.find((t: Json) => t.name === 'reconcile');
    expect(listed.lastRun).toMatchObject({ id: run.id, status: 'completed', trigger: 'manual' });
  });

  it('when cleanup is triggered, then only what is older than the retention and finished is deleted, and the run says how much', async () => {
    const [old, recent] = ["now() - interval '31 days'", "now() - interval '29 days'"];
    const ids = Object.fromEntries(['oldDone', 'oldFailed', 'oldOpen', 'recentDone', 'oldDelivered', 'oldPending', 'recentDelivered', 'oldLog', 'recentLog', 'oldRun', 'latestRun', 'oldEmail', 'recentEmail'].map((k) => [k, randomUUID()]));
    const job = (id: string, status: string, at: string) =>
      world.sql(`INSERT INTO jobs (id, kind, queue, name, status, mode, data, created_at, updated_at) VALUES ($1, 'verify', 'verification', 'verify', $2, 'async', '{}', ${at}, ${at})`, [id, status]);
    await job(ids.oldDone as string, 'completed', old);
    await job(ids.oldFailed as string, 'failed', old);
    await job(ids.oldOpen as string, 'processing', old);
    await job(ids.recentDone as string, 'completed', recent);
    // The pending one's next attempt is a day away, so the retry sweep leaves it alone too.
    const delivery = (id: string, status: string, at: string) =>
      world.sql(
        `INSERT INTO webhook_deliveries (id, source_job_id, url, event, payload, status, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, 'https://example.org/hook', 'did.created', '{}', $3::"WebhookDeliveryStatus", CASE WHEN $3 = 'pending' THEN now() + interval '1 day' END, ${at}, ${at})`,
        [id, randomUUID(), status],
      );
    await delivery(ids.oldDelivered as string, 'delivered', old);
    await delivery(ids.oldPending as string, 'pending', old);
    await delivery(ids.recentDelivered as string, 'delivered', recent);
    await world.sql(`INSERT INTO webhook_attempts (id, delivery_id, attempt, status_code, duration_ms, created_at) VALUES ($1, $2, 1, 200, 5, ${old})`, [randomUUID(), ids.oldDelivered]);
    const log = (id: string, at: string) =>
      world.sql(`INSERT INTO vc_event_processing_logs (id, record_id, vc_public_id, type, outcome, processed_at) VALUES ($1, $2, 'urn:uuid:x', 'record_anchored', 'success', ${at})`, [id, `rec-${id}`]);
    await log(ids.oldLog as string, old);
    await log(ids.recentLog as string, recent);
    const sent = (id: string, at: string) =>
      world.sql(`INSERT INTO email_messages (job_id, message_id, accepted, rejected, response, sent_at) VALUES ($1, $2, '{}', '{}', '250 OK', ${at})`, [id, `<${id}@vcq.test>`]);
    await sent(ids.oldEmail as string, old);
    await sent(ids.recentEmail as string, recent);
    // Two old runs of a task that has not run since: the older goes, the latest stays.
    await world.sql("DELETE FROM jobs WHERE kind = 'vc-events'");
    const taskRun = (id: string, at: string) =>
      world.sql(
        `INSERT INTO jobs (id, kind, queue, name, status, mode, data, created_at, updated_at, started_at, completed_at)
         VALUES ($1, 'vc-events', 'vc-events', 'process-window', 'completed', 'async', '{"trigger":"schedule"}', ${at}, ${at}, ${at}, ${at})`,
        [id],
      );
    await taskRun(ids.oldRun as string, "now() - interval '40 days'");
    await taskRun(ids.latestRun as string, old);

    const res = await call('POST', '/admin/tasks/cleanup/run', undefined, { prefer: 'wait=20' });
    expect(res.status).toBe(200);
    expect(res.headers.get('preference-applied')).toBe('wait=20');
    const run = res.body.data.run as Json;
    expect(run).toMatchObject({ task: 'cleanup', status: 'completed', trigger: 'manual' });
    expect(run.result.removed).toEqual({ jobs: 3, webhookDeliveries: 1, vcEventLogs: 1, emailMessages: 1 });

    const left = async (table: string, keys: string[]) =>
      (await world.sql<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1::uuid[])`, [keys.map((k) => ids[k])])).map((r) => Object.keys(ids).find((k) => ids[k] === r.id)).sort();
    expect(await left('jobs', ['oldDone', 'oldFailed', 'oldOpen', 'recentDone'])).toEqual(['oldOpen', 'recentDone']);
    expect(await left('webhook_deliveries', ['oldDelivered', 'oldPending', 'recentDelivered'])).toEqual(['oldPending', 'recentDelivered']);
    expect(await world.sql('SELECT 1 FROM webhook_attempts WHERE delivery_id = $1', [ids.oldDelivered])).toHaveLength(0);
    expect((await world.sql<{ job_id: string }>('SELECT job_id FROM email_messages WHERE job_id = ANY($1::uuid[])', [[ids.oldEmail, ids.recentEmail]])).map((r) => r.job_id)).toEqual([ids.recentEmail]);
    expect(await left('vc_event_processing_logs', ['oldLog', 'recentLog'])).toEqual(['recentLog']);
    expect(await left('jobs', ['oldRun', 'latestRun', 'oldEmail', 'recentEmail'])).toEqual(['latestRun']);
  });

  it('when vc-events is triggered without an analytics API, then the answer is 409 naming the setting', async () => {
    const res = await call('POST', '/admin/tasks/vc-events/run');
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/ANALYTICS_API_URL/);
  });

  it('when the task does not exist, then the answer is 404', async () => {
    const res = await call('POST', '/admin/tasks/defragment/run');
    expect(res.status).toBe(404);
    expect(res.body.detail).toMatch(/no task defragment/);
  });

  it('when the queue is down, then the task runs in the request', async () => {
    const offline = await startApi(world.config({ REDIS_URL: 'redis://127.0.0.1:1', PORT: '0' }));
    try {
      const res = await fetch(`${offline.url}/admin/tasks/cleanup/run`, { method: 'POST', headers: auth });
      expect(res.status).toBe(200);
      const body = (await res.json()) as Json;
      expect(body.data).toMatchObject({ mode: 'sync', jobId: null, status: 'completed', run: { task: 'cleanup', trigger: 'manual', jobId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) } });
      // A run in the request is a job row too, of mode sync.
      expect(await world.sql('SELECT mode::text, status::text FROM jobs WHERE id = $1', [body.data.run.jobId])).toEqual([{ mode: 'sync', status: 'completed' }]);
      const list = (await (await fetch(`${offline.url}/admin/tasks`, { headers: auth })).json()) as Json;
      expect(list.data.tasks.find((t: Json) => t.name === 'cleanup')).toMatchObject({ scheduled: null, nextRunAt: null });
    } finally {
      await offline.close();
    }
  });
});

describe('POST /webhooks/retry-all', () => {
  let receiver: { url: string; hits: Map<string, number>; close(): Promise<void> };

  beforeAll(async () => {
    // Fails each delivery's first attempt, accepts the later ones.
    const hits = new Map<string, number>();
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers['x-vcq-delivery']);
        hits.set(id, (hits.get(id) ?? 0) + 1);
        res.writeHead(hits.get(id) === 1 ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
      hits,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  });

  afterAll(async () => {
    await receiver?.close();
  });

  /** A job whose webhook failed once; its retry waits a minute as a delayed job. */
  async function failedOnce(): Promise<string> {
    const res = await call('POST', '/api/dids', { method: 'key', callbackUrl: receiver.url }, { prefer: 'wait=15' });
    expect(res.status).toBe(200);
    const [row] = await waitFor(async () => {
      const rows = await world.sql<{ id: string; attempt_count: number }>('SELECT id, attempt_count FROM webhook_deliveries WHERE source_job_id = $1', [res.body.id]);
      return rows[0]?.attempt_count === 1 ? rows : undefined;
    });
    return (row as { id: string }).id;
  }

  const delivery = async (id: string) => (await world.sql<{ status: string; attempt_count: number }>('SELECT status, attempt_count FROM webhook_deliveries WHERE id = $1', [id]))[0];

  it('when Redis lost deliveries that are due, then retry-all re-queues exactly those, and they are delivered as their next attempt', async () => {
    const [lostDue, lostNotDue, stillQueued] = [await failedOnce(), await failedOnce(), await failedOnce()];
    const queue = new Queue('webhooks', { connection: redis, prefix: world.prefix });
    try {
      expect(await queue.getJobState(lostDue)).toBe('delayed');
      // Redis forgets two of them; two are due now.
      for (const id of [lostDue, lostNotDue]) await (await queue.getJob(id))?.remove();
      await world.sql("UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 minute' WHERE id = ANY($1::uuid[])", [[lostDue, stillQueued]]);

      const res = await call('POST', '/webhooks/retry-all');
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ task: 'webhook-retry-sweep', trigger: 'manual', status: 'completed' });
      expect(res.body.data.result).toMatchObject({ checked: true, due: 2, onQueue: 1, requeued: 1, requeuedIds: [lostDue] });

      await waitFor(async () => (await delivery(lostDue))?.status === 'delivered', { what: 'the re-queued delivery' });
      // Its second attempt, not a replay of the first.
      expect(await delivery(lostDue)).toMatchObject({ status: 'delivered', attempt_count: 2 });
      expect(receiver.hits.get(lostDue)).toBe(2);
      const attempts = await world.sql<{ attempt: number; status_code: number }>('SELECT attempt, status_code FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt', [lostDue]);
      expect(attempts).toEqual([
        { attempt: 1, status_code: 503 },
        { attempt: 2, status_code: 204 },
      ]);
      // Not due yet, or still on the queue: left alone.
      expect(await delivery(lostNotDue)).toMatchObject({ status: 'pending', attempt_count: 1 });
      expect(await queue.getJobState(lostNotDue)).toBe('unknown');
      expect(await queue.getJobState(stillQueued)).toBe('delayed');
    } finally {
      await queue.close();
    }
  });

  it('when a delivery’s job row never existed, then the sweep submits it', async () => {
    const sourceJobId = randomUUID();
    const deliveryId = randomUUID();
    await world.sql(
      `INSERT INTO webhook_deliveries (id, source_job_id, url, event, payload, status, created_at, updated_at)
       VALUES ($1, $2, $3, 'did.created', $4, 'pending', now() - interval '2 minutes', now() - interval '2 minutes')`,
      [deliveryId, sourceJobId, receiver.url, JSON.stringify({ event: 'did.created', jobId: sourceJobId, data: null, createdAt: new Date().toISOString() })],
    );
    const res = await call('POST', '/webhooks/retry-all');
    expect(res.body.data.result.requeuedIds).toContain(deliveryId);
    // First attempt answered 503, so it stays pending with a retry a minute away.
    await waitFor(async () => (await delivery(deliveryId))?.attempt_count === 1, { what: 'the first attempt' });
    const [row] = await world.sql<{ job_id: string }>('SELECT job_id FROM webhook_deliveries WHERE id = $1', [deliveryId]);
    expect(row?.job_id).toBe(deliveryId);
  });
});
