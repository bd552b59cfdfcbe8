/**
 * The API's /metrics endpoint: HTTP timings by route template, jobs by queue and
 * state straight from Postgres, and the sync-fallback gauge, scraped over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDED } from '@vcq/jobs';
import { readMetric } from '@vcq/metrics';
import { freePort, scrapeLikePrometheus, auth, startWorld, uploadForm, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

let world: World;
let api: ApiServer;
let worker: WorkerProcess;
const opened: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  world = await startWorld();
  // One attempt: the job whose manifest is missing fails for good at once.
  const config = world.config({ JOB_ATTEMPTS: '1' });
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
  opened.push(api, worker);
});

afterAll(async () => {
  await Promise.allSettled(opened.map((o) => o.close()));
  await world?.close();
});

async function scrape(server: ApiServer): Promise<string> {
  // Public, like /healthz: Prometheus carries no API key.
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

const submit = async (c: Awaited<ReturnType<World['content']>>, manifestURI = c.manifestUri): Promise<string> => {
  const res = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: auth, body: uploadForm(c.bytes, { manifestURI }) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { jobId: string }).jobId;
};

const httpCount = (text: string, method: string, route: string, status: string) =>
  readMetric(text, 'vcq_http_request_duration_seconds_count', { method, route, status }) ?? 0;

describe('API /metrics', () => {
  it('when requests hit routes with ids, then the HTTP histogram is labelled by route template, never by raw path', async () => {
    const before = await scrape(api);
    const c = await world.content();
    const first = await submit(c);
    const second = await submit(await world.content());
    for (const id of [first, second]) expect((await fetch(`${api.url}/api/verification-jobs/${id}`, { headers: auth })).status).toBe(200);
    // A handler's error leaves its router before the response: still labelled with the /api mount.
    const bad = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: auth, body: uploadForm(c.bytes, { manifestURI: c.manifestUri, registryAddress: '0xnothex' }) });
    expect(bad.status).toBe(400);
    const missing = `/no-such-thing/${randomUUID()}`;
    expect((await fetch(`${api.url}${missing}`)).status).toBe(404);

    const after = await scrape(api);
    const delta = (method: string, route: string, status: string) => httpCount(after, method, route, status) - httpCount(before, method, route, status);
    expect(delta('GET', '/api/verification-jobs/:jobId', '200')).toBe(2);
    expect(delta('POST', '/api/verification-jobs/verify', '202')).toBe(2);
    expect(delta('POST', '/api/verification-jobs/verify', '400')).toBe(1);
    expect(delta('GET', 'unmatched', '404')).toBe(1);
    expect(delta('GET', '/metrics', '200')).toBe(1);
    expect(readMetric(after, 'vcq_http_request_duration_seconds_sum', { method: 'GET', route: '/api/verification-jobs/:jobId', status: '200' })).toBeGreaterThan(0);
    for (const raw of [first, second, missing]) expect(after).not.toContain(raw);
  });

  it('when the client goes away in the middle of an upload, then the request is counted as aborted, not by a status', async () => {
    const before = await scrape(api);
    const url = new URL(`${api.url}/api/verification-jobs/verify`);
    const boundary = 'vcq-aborted-upload';
    const req = request(url, { method: 'POST', headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(8 * 1024 * 1024) } });
    req.on('error', () => {});
    req.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`);
    // Past what socket buffers hold, a write drains only when the route's upload parser
    // is reading: by then the request has its route. Then the client leaves.
    const chunk = Buffer.alloc(256 * 1024, 1);
    for (let sent = 0; sent < 4 * 1024 * 1024; sent += chunk.length) {
      if (!req.write(chunk)) await once(req, 'drain');
    }
    req.destroy();
    await expect
      .poll(async () => httpCount(await scrape(api), 'POST', '/api/verification-jobs/verify', 'aborted') - httpCount(before, 'POST', '/api/verification-jobs/verify', 'aborted'), { timeout: 10_000 })
      .toBe(1);
  });

  it('when jobs have completed, failed and are queued, then the jobs gauge matches Postgres for every queue and state', async () => {
    const done = await submit(await world.content());
    const broken = await world.content();
    const failed = await submit(broken, `${world.manifests.url}/manifests/${randomUUID()}.json`);
    expect((await api.waiter.wait(done, ENDED, 30_000))?.status).toBe('completed');
    expect((await api.waiter.wait(failed, ENDED, 30_000))?.status).toBe('failed');
    // Every job of the file has settled by now, so Postgres holds still while we compare.
    for (const id of (await world.sql<{ id: string }>(`SELECT id FROM jobs WHERE status IN ('queued', 'processing')`)).map((r) => r.id)) {
      await api.waiter.wait(id, ENDED, 30_000);
    }

    const text = await scrape(api);
    const rows = await world.sql<{ queue: string; status: string; count: string }>('SELECT queue, status::text AS status, count(*)::text AS count FROM jobs GROUP BY 1, 2');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(readMetric(text, 'vcq_jobs', { queue: row.queue, state: row.status }), `${row.queue}/${row.status}`).toBe(Number(row.count));
    expect(readMetric(text, 'vcq_jobs', { queue: 'verification', state: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(readMetric(text, 'vcq_jobs', { queue: 'verification', state: 'completed' })).toBeGreaterThanOrEqual(1);
    // States with no rows read 0 rather than disappearing.
    expect(readMetric(text, 'vcq_jobs', { queue: 'verification', state: 'cancelled' })).toBe(0);
    expect(readMetric(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('when Redis is up, then the fallback gauge is 0; when an API cannot reach Redis, then its gauge is 1', async () => {
    expect(readMetric(await scrape(api), 'vcq_sync_fallback')).toBe(0);
    const offline = await startApi(world.config({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }));
    opened.push(offline);
    const text = await scrape(offline);
    expect(readMetric(text, 'vcq_sync_fallback')).toBe(1);
    // Each API has its own registry: the offline one saw none of the requests above.
    expect(httpCount(text, 'GET', '/api/verification-jobs/:jobId', '200')).toBe(0);
  });
});

describe('protecting /metrics', () => {
  const TOKEN = 'api-scrape-token-0123456789';

  it('when METRICS_TOKEN is set, then a Prometheus scrape with the bearer token reads the metrics, and one without it or with another gets 401', async () => {
    const guarded = await startApi(world.config({ METRICS_TOKEN: TOKEN }));
    opened.push(guarded);
    const scraped = await scrapeLikePrometheus(`${guarded.url}/metrics`, { token: TOKEN });
    expect(scraped.status).toBe(200);
    expect(scraped.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(scraped.unparsable).toEqual([]);
    expect(scraped.samples).toBeGreaterThan(50);
    expect(readMetric(scraped.text, 'vcq_sync_fallback')).toBe(0);

    for (const token of [undefined, 'wrong-scrape-token-0123456', `${TOKEN}x`]) {
      const refused = await scrapeLikePrometheus(`${guarded.url}/metrics`, token === undefined ? {} : { token });
      expect(refused.status, String(token)).toBe(401);
      expect(refused.contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(refused.text)).toMatchObject({ type: 'urn:vcq:problem:unauthorized', status: 401 });
      expect(refused.text).not.toContain('vcq_');
    }
    // An API key is not a scrape token: the two are kept apart.
    expect((await fetch(`${guarded.url}/metrics`, { headers: auth })).status).toBe(401);
    // The rest of the API is untouched by the token.
    expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
  });

  it('when METRICS_PORT is set, then /metrics is served there (with the token) and not on the API port', async () => {
    const moved = await startApi(world.config({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN }));
    opened.push(moved);
    expect(new URL(moved.metricsUrl).port).not.toBe(String(moved.port));

    const onApiPort = await fetch(`${moved.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(onApiPort.status).toBe(404);
    expect(onApiPort.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const scraped = await scrapeLikePrometheus(moved.metricsUrl, { token: TOKEN });
    expect(scraped.status).toBe(200);
    expect(scraped.unparsable).toEqual([]);
    // The API's own instruments, requests to its port included.
    expect(httpCount(scraped.text, 'GET', 'unmatched', '404')).toBe(1);
    expect((await scrapeLikePrometheus(moved.metricsUrl)).status).toBe(401);
    // Nothing else is served on the metrics port.
    expect((await fetch(new URL('/healthz', moved.metricsUrl))).status).toBe(404);
  });
});
