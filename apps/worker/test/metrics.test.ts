/**
 * The worker's own /metrics endpoint, scraped over HTTP while it runs real jobs
 * against Postgres, Redis, an EVM node and a manifest host on loopback.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, type JobPlatform } from '@vcq/app';
import { ENDED } from '@vcq/jobs';
import { readMetric } from '@vcq/metrics';
import { listenOnLoopback, scrapeLikePrometheus, waitFor, type LoopbackServer, startWorld, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../src/worker.js';
import { type Producer, startProducer } from './producer.js';

const METRICS_TOKEN = 'worker-scrape-token-0123456789';
let world: World;
let worker: WorkerProcess;
let producer: Producer;
let receiver: LoopbackServer;

beforeAll(async () => {
  world = await startWorld();
  // One attempt: the job whose manifest is missing fails for good at once.
  // No schedules: a tick's task run would move the maintenance counters before the first scrape.
  const config = world.config({ JOB_ATTEMPTS: '1', WORKER_METRICS_PORT: '0', METRICS_TOKEN, ENABLE_TASK_SCHEDULING: 'false' });
  receiver = await listenOnLoopback((req, res) => {
    res.writeHead(req.url === '/rejects' ? 410 : 204).end();
  });
  [worker, producer] = await Promise.all([startWorker(config), startProducer(config)]);
});

afterAll(async () => {
  await Promise.allSettled([worker?.close(), producer?.close(), receiver?.close()]);
  await world?.close();
});


/** Scrapes as Prometheus does, with the bearer token its scrape config holds. */
async function scrape(): Promise<string> {
  const res = await scrapeLikePrometheus(worker.metricsUrl as string, { token: METRICS_TOKEN });
  expect(res.status).toBe(200);
  expect(res.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(res.unparsable).toEqual([]);
  return res.text;
}

/** Scrapes until `ready(text)` holds; the counters move just after the rows are committed. */
async function scrapeUntil(ready: (text: string) => boolean, what: string): Promise<string> {
  let last = '';
  try {
    return await waitFor(async () => {
      last = await scrape();
      return ready(last) ? last : undefined;
    }, { what });
  } catch (error) {
    const seen = last.split('\n').filter((l) => l.startsWith('vcq_') && !l.includes('_bucket'));
    throw new Error(`${(error as Error).message}; last scrape:\n${seen.join('\n')}`, { cause: error });
  }
}

async function submitVerify(platform: JobPlatform, options: { manifestUri: string; hash: string; callbackUrl?: string }): Promise<string> {
  const submission = await platform.submit('verify', {
    contentHash: options.hash,
    registryAddress: world.registry,
    manifestUri: options.manifestUri,
    ...(options.callbackUrl ? { callbackUrl: options.callbackUrl } : {}),
  });
  expect(submission.mode).toBe('async');
  return submission.job.id;
}

const verification = { queue: 'verification', name: 'verify' };

describe('worker /metrics', () => {
  // First in the file: it scrapes before this worker has run any job.
  it('when the worker has started and no job has run yet, then every catalog job type’s series is there at 0', async () => {
    const text = await scrape();
    for (const { queue, name } of Object.values(baseCatalog)) {
      for (const family of ['vcq_jobs_completed_total', 'vcq_jobs_failed_total', 'vcq_job_retries_total', 'vcq_job_duration_seconds_count']) {
        expect(readMetric(text, family, { queue, name }), `${family} ${queue}/${name}`).toBe(0);
      }
      expect(readMetric(text, 'vcq_job_wait_seconds_count', { queue }), `wait ${queue}`).toBe(0);
      expect(readMetric(text, 'vcq_reconciler_readded_total', { queue }), `readded ${queue}`).toBe(0);
    }
    expect(readMetric(text, 'vcq_jobs_failed_total', { queue: 'maintenance', name: 'cleanup' })).toBe(0);
  });

  it('when one job completes and one fails for good, then the scrape counts each once and times both', async () => {
    const good = await world.content();
    const okId = await submitVerify(producer.platform, { manifestUri: good.manifestUri, hash: good.hash });
    const missing = await world.content({ register: false });
    const failId = await submitVerify(producer.platform, { manifestUri: `${world.manifests.url}/manifests/${randomUUID()}.json`, hash: missing.hash });

    expect((await producer.waiter.wait(okId, ENDED, 30_000))?.status).toBe('completed');
    expect((await producer.waiter.wait(failId, ENDED, 30_000))?.status).toBe('failed');
    const text = await scrapeUntil(
      (t) => readMetric(t, 'vcq_jobs_completed_total', verification) === 1 && readMetric(t, 'vcq_jobs_failed_total', verification) === 1,
      'the completed and failed counters',
    );

    expect(readMetric(text, 'vcq_job_retries_total', verification)).toBe(0);
    expect(readMetric(text, 'vcq_job_duration_seconds_count', verification)).toBe(2);
    expect(readMetric(text, 'vcq_job_duration_seconds_sum', verification)).toBeGreaterThan(0);
    expect(readMetric(text, 'vcq_job_duration_seconds_bucket', { ...verification, le: '+Inf' })).toBe(2);
    expect(readMetric(text, 'vcq_job_wait_seconds_count', { queue: 'verification' })).toBe(2);
    expect(readMetric(text, 'vcq_job_wait_seconds_sum', { queue: 'verification' })).toBeGreaterThanOrEqual(0);
    // Default process metrics come from the same registry.
    expect(readMetric(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(readMetric(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(readMetric(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    // The API owns the Postgres and fallback gauges; the worker does not repeat them.
    expect(text).not.toMatch(/^vcq_jobs\{/m);
    expect(text).not.toContain('vcq_sync_fallback');
  });

  it('when a job is open in Postgres but missing from Redis, then its re-add by the reconciler is counted', async () => {
    const before = readMetric(await scrape(), 'vcq_reconciler_readded_total', { queue: 'verification' }) ?? 0;
    const c = await world.content();
    // Committed like an accepted job whose add never reached Redis.
    const id = randomUUID();
    await producer.platform.store.create({
      id,
      queue: 'verification',
      name: 'verify',
      data: { contentHash: c.hash, registryAddress: world.registry, manifestUri: c.manifestUri },
      mode: 'async',
      maxAttempts: 1,
    });
    await worker.reconcile();
    expect((await producer.waiter.wait(id, ENDED, 30_000))?.status).toBe('completed');
    const text = await scrape();
    expect(readMetric(text, 'vcq_reconciler_readded_total', { queue: 'verification' })).toBe(before + 1);
  });

  it('when webhooks are delivered and refused, then each outcome is counted', async () => {
    const delivered = await world.content();
    const refused = await world.content();
    await submitVerify(producer.platform, { manifestUri: delivered.manifestUri, hash: delivered.hash, callbackUrl: `${receiver.url}/accepts` });
    await submitVerify(producer.platform, { manifestUri: refused.manifestUri, hash: refused.hash, callbackUrl: `${receiver.url}/rejects` });
    const text = await scrapeUntil(
      (t) =>
        readMetric(t, 'vcq_webhook_deliveries_total', { outcome: 'delivered' }) === 1 &&
        readMetric(t, 'vcq_webhook_deliveries_total', { outcome: 'failed' }) === 1 &&
        readMetric(t, 'vcq_jobs_completed_total', { queue: 'webhooks', name: 'deliver' }) === 1 &&
        readMetric(t, 'vcq_jobs_failed_total', { queue: 'webhooks', name: 'deliver' }) === 1,
      'webhook delivery outcomes',
    );
    expect(readMetric(text, 'vcq_webhook_deliveries_total', { outcome: 'retry' })).toBe(0);
  });

  it('when anything but GET /metrics is asked, then 404 or 405', async () => {
    const url = new URL(worker.metricsUrl as string);
    const authorization = `Bearer ${METRICS_TOKEN}`;
    expect((await fetch(new URL('/', url))).status).toBe(404);
    expect((await fetch(url, { method: 'POST', headers: { authorization } })).status).toBe(405);
    expect((await fetch(url, { method: 'HEAD', headers: { authorization } })).status).toBe(200);
  });

  it('when METRICS_TOKEN is set and a scrape comes without it or with another, then 401 problem+json and no metrics', async () => {
    for (const token of [undefined, 'not-the-token-0123456789']) {
      const res = await scrapeLikePrometheus(worker.metricsUrl as string, token === undefined ? {} : { token });
      expect(res.status, String(token)).toBe(401);
      expect(res.contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.text)).toMatchObject({ type: 'urn:vcq:problem:unauthorized', status: 401 });
      expect(res.text).not.toContain('vcq_jobs');
    }
  });
});
