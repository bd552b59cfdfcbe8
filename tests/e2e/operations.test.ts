/**
 * Operating vcq: queue administration keeps Postgres true, live progress over SSE,
 * idempotency keys, scopes, rate limits, headers and what the logs may not contain.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDED } from '@vcq/jobs';
import { createLogger } from '@vcq/logger';
import { waitFor, startWorld, uploadForm, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

type Json = Record<string, any>;
const ADMIN = { 'x-api-key': 'test-key' };
const READER = { 'x-api-key': 'reader-key' };
const SUBMITTER = { 'x-api-key': 'submit-key' };

let world: World;
let api: ApiServer;
let worker: WorkerProcess;
const logLines: string[] = [];

beforeAll(async () => {
  world = await startWorld();
  const config = world.config({ API_KEYS: 'test-key,reader-key:read,submit-key:submit+read', JOB_ATTEMPTS: '1', CORS_ORIGINS: 'https://app.example' });
  const destination = new Writable({
    write(chunk, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  [api, worker] = await Promise.all([startApi(config, createLogger({ level: 'debug', destination })), startWorker(config)]);
});

afterAll(async () => {
  await Promise.allSettled([api?.close(), worker?.close()]);
  await world?.close();
});

const http = async (method: string, path: string, options: { headers?: Record<string, string>; body?: unknown; form?: FormData } = {}) => {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...ADMIN, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    ...(options.form ? { body: options.form } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  let body: Json = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, headers: res.headers, body };
};

const submitVerify = async (c: Awaited<ReturnType<World['content']>>, headers: Record<string, string> = {}) => {
  const res = await http('POST', '/api/verification-jobs/verify', { form: uploadForm(c.bytes, { manifestURI: c.manifestUri }), headers });
  expect(res.status).toBe(202);
  return res.body.jobId as string;
};
const row = async (id: string) => (await http('GET', `/api/jobs/${id}`)).body;
/** The job's view once its row has ended (the API's job waiter, on row changes). */
const settled = async (id: string) => {
  if (!(await api.waiter.wait(id, ENDED, 30_000))) throw new Error(`job ${id} did not settle within 30 s`);
  return row(id);
};

describe('queue administration', () => {
  it('when stats are read, then every queue is listed and counts agree with Postgres', async () => {
    const c = await world.content();
    const id = await submitVerify(c);
    expect((await settled(id)).status).toBe('completed');
    const stats = await http('GET', '/queue/stats');
    expect(stats.status).toBe(200);
    expect(stats.body.success).toBe(true);
    const names = stats.body.data.map((q: Json) => q.name);
    expect(names).toEqual(expect.arrayContaining(['verification', 'vc-issuance', 'vc-verification', 'did-operations', 'webhooks']));
    const verification = (await http('GET', '/queue/verification/stats')).body.data;
    const completedRows = (await http('GET', '/api/verification-jobs?status=completed&limit=1')).body.total;
    expect(verification).toMatchObject({ name: 'verification', completed: completedRows, waiting: 0, active: 0 });
    expect(verification.total).toBe(verification.waiting + verification.active + verification.delayed + verification.completed + verification.failed);
  });

  it('when a queue is paused, then no job of it starts until it is resumed', async () => {
    expect((await http('POST', '/queue/verification/pause')).body.data.paused).toBe(true);
    const id = await submitVerify(await world.content());
    // Another queue keeps working: a DID job completing shows the worker is alive meanwhile.
    const did = await http('POST', '/api/dids', { body: { method: 'key' }, headers: { prefer: 'wait=10' } });
    expect(did.body.status).toBe('completed');
    expect((await row(id)).status).toBe('queued');
    const waiting = await http('GET', '/queue/verification/jobs?status=waiting');
    expect(waiting.body.data.jobs.map((j: Json) => j.id)).toContain(id);
    expect((await http('GET', '/queue/verification/stats')).body.data).toMatchObject({ paused: true, waiting: 1 });

    expect((await http('POST', '/queue/verification/resume')).body.data.paused).toBe(false);
    expect((await settled(id)).status).toBe('completed');
  });

  it('when a waiting job is deleted, then it leaves Redis, its row is cancelled and it never runs', async () => {
    await http('POST', '/queue/verification/pause');
    const c = await world.content();
    const id = await submitVerify(c);
    const deleted = await http('DELETE', `/queue/verification/job/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toMatchObject({ cancelled: true, removed: true, queueState: 'waiting' });
    await http('POST', '/queue/verification/resume');
    // A later job of the same queue completing means the deleted one would have run by now.
    expect((await settled(await submitVerify(await world.content()))).status).toBe('completed');
    expect((await row(id)).status).toBe('cancelled');
    expect(world.manifests.hits(c.path)).toBe(0);
  });

  it('when a running job is deleted, then its attempt finishes but the row stays cancelled', async () => {
    const c = await world.content();
    world.manifests.put(c.path, c.manifest, { delayMs: 1500 });
    const id = await submitVerify(c);
    await waitFor(() => world.manifests.hits(c.path) === 1, { what: 'the job to be running' });
    const deleted = await http('DELETE', `/queue/verification/job/${id}`);
    expect(deleted.status).toBe(202);
    expect(deleted.body.data).toMatchObject({ cancelled: true, removed: false, queueState: 'active' });
    await waitFor(async () => (await http('GET', `/queue/verification/job/${id}`)).body.data.queueState === null, { what: 'the attempt to finish' });
    const after = await row(id);
    expect(after.status).toBe('cancelled');
    expect(after.result).toBeNull();
  });

  it('when a failed job is retried, then it runs again with a new attempt and completes', async () => {
    const c = await world.content();
    world.manifests.put(c.path, 'down', { status: 500 });
    const id = await submitVerify(c);
    const failed = await settled(id);
    expect(failed.status).toBe('failed');
    expect((await http('GET', `/queue/verification/job/${id}`)).body.data.queueState).toBe('failed');
    expect((await http('GET', '/queue/verification/jobs?status=failed&start=0&end=100')).body.data.jobs.map((j: Json) => j.id)).toContain(id);

    world.manifests.put(c.path, c.manifest);
    const retried = await http('POST', `/queue/verification/job/${id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.data.status).toBe('queued');
    const done = await waitFor(async () => ((await row(id)).status === 'completed' ? row(id) : undefined), { what: 'the retried job to complete' });
    expect(done.attempt).toBe(2);
    expect(done.result.status).toBe('OK');
    expect((await http('POST', `/queue/verification/job/${id}/retry`)).status).toBe(409);
  });

  it('when failed jobs are cleaned, then the grace period is honoured', async () => {
    const c = await world.content();
    world.manifests.put(c.path, 'down', { status: 500 });
    const id = await submitVerify(c);
    expect((await settled(id)).status).toBe('failed');
    const kept = await http('POST', '/queue/verification/clean', { body: { grace: 3_600_000, status: 'failed' } });
    expect(kept.body.data.removed).toBe(0);
    const removed = await http('POST', '/queue/verification/clean', { body: { grace: 0, status: 'failed' } });
    expect(removed.body.data.ids).toContain(id);
    expect((await http('GET', `/queue/verification/job/${id}`)).body.data).toMatchObject({ status: 'failed', queueState: null });
  });

  it('when a queue or job is unknown or the input is bad, then 404 or 400 problem+json', async () => {
    expect((await http('GET', '/queue/nope/stats')).status).toBe(404);
    expect((await http('GET', '/queue/verification/job/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await http('GET', '/queue/verification/jobs?status=sleeping')).status).toBe(400);
    const clean = await http('POST', '/queue/verification/clean', { body: { grace: -1 } });
    expect(clean.status).toBe(400);
    expect(clean.headers.get('content-type')).toMatch(/problem\+json/);
    expect(clean.body.errors.map((e: Json) => e.field)).toContain('grace');
  });
});

describe('live progress', () => {
  /** Reads an SSE stream to its end; returns the events. */
  async function events(path: string): Promise<Array<{ event: string; data: Json }>> {
    const res = await fetch(`${api.url}${path}`, { headers: ADMIN });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await res.text();
    return text
      .split('\n\n')
      .filter((block) => block.includes('event:'))
      .map((block) => ({
        event: block.match(/^event: (.+)$/m)?.[1] as string,
        data: JSON.parse(block.match(/^data: (.+)$/m)?.[1] as string),
      }));
  }

  it('when a job runs, then its stream delivers progress in order and closes after the outcome', async () => {
    const c = await world.content();
    world.manifests.put(c.path, c.manifest, { delayMs: 400 });
    const id = await submitVerify(c);
    const received = await events(`/api/jobs/${id}/events`);
    const progress = received.map((e) => e.data.progress as number);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(received.at(-1)).toMatchObject({ event: 'completed', data: { status: 'completed', progress: 100 } });
    expect(received.length).toBeGreaterThan(1);
  });

  it('when the job has already ended, then the stream carries one final event', async () => {
    const id = await submitVerify(await world.content());
    await settled(id);
    const received = await events(`/api/jobs/${id}/events`);
    expect(received).toHaveLength(1);
    expect(received[0]?.event).toBe('completed');
  });
});

describe('idempotency keys', () => {
  const issueBody = async () => {
    const issuer = (await http('POST', '/api/dids', { body: { method: 'key' }, headers: { prefer: 'wait=10' } })).body.result.did;
    return { issuerDid: issuer, subjectDid: issuer, credentialType: 'Test', claims: { n: 1 } };
  };

  it('when the same key and body are sent again, then the original job comes back', async () => {
    const body = await issueBody();
    const first = await http('POST', '/api/credentials/issue', { body, headers: { 'idempotency-key': 'order-1' } });
    const again = await http('POST', '/api/credentials/issue', { body, headers: { 'idempotency-key': 'order-1' } });
    expect(first.status).toBe(202);
    expect(again.body.jobId).toBe(first.body.jobId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('when the same key comes with a different body, then 409', async () => {
    const body = await issueBody();
    await http('POST', '/api/credentials/issue', { body, headers: { 'idempotency-key': 'order-2' } });
    const other = await http('POST', '/api/credentials/issue', { body: { ...body, claims: { n: 2 } }, headers: { 'idempotency-key': 'order-2' } });
    expect(other.status).toBe(409);
    expect(other.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('when duplicates arrive concurrently, then they all get one job', async () => {
    const body = await issueBody();
    const answers = await Promise.all(Array.from({ length: 6 }, () => http('POST', '/api/credentials/issue', { body, headers: { 'idempotency-key': 'order-3' } })));
    const ids = new Set(answers.map((a) => a.body.jobId));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(ids.size).toBe(1);
    const rows = await world.sql('SELECT id FROM jobs WHERE id = $1', [[...ids][0]]);
    expect(rows).toHaveLength(1);
  });

  it('when a key is malformed, then 400 names the header', async () => {
    const res = await http('POST', '/api/credentials/issue', { body: await issueBody(), headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('Idempotency-Key');
  });
});

describe('access control and hygiene', () => {
  it('when a key lacks the scope, then 403; without a key, 401', async () => {
    expect((await http('GET', '/api/verification-jobs/stats', { headers: READER })).status).toBe(200);
    const denied = await http('POST', '/api/dids', { body: { method: 'key' }, headers: READER });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await http('GET', '/queue/stats', { headers: SUBMITTER })).status).toBe(403);
    expect((await fetch(`${api.url}/queue/stats`)).status).toBe(401);
    const basic = `Basic ${Buffer.from('ops:test-key').toString('base64')}`;
    expect((await http('GET', '/queue/stats', { headers: { 'x-api-key': '', authorization: basic } })).status).toBe(200);
  });

  it('when a key spends its requests, then 429 with RateLimit headers and Retry-After', async () => {
    const limited = await startApi(world.config({ PORT: '0', RATE_LIMIT_POINTS: '3', RATE_LIMIT_WINDOW_SECONDS: '60', QUEUE_PREFIX: `${world.prefix}rl` }));
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await fetch(`${limited.url}/api/verification-jobs/stats`, { headers: ADMIN });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last?.headers.get('ratelimit-limit')).toBe('3');
      expect(last?.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last?.headers.get('content-type')).toMatch(/problem\+json/);
      // Another key has its own allowance.
      expect((await fetch(`${limited.url}/api/verification-jobs/stats`, { headers: { 'x-api-key': 'second-key' } })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('when any response goes out, then it carries security headers, and CORS for the configured origin', async () => {
    const res = await fetch(`${api.url}/healthz`, { headers: { origin: 'https://app.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(`${api.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('when a JSON body is over the limit, then 413 problem+json', async () => {
    const res = await http('POST', '/api/credentials/verify', { body: { vcJwt: 'x'.repeat(2 * 1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('when requests carry keys and credentials flow through, then no key, secret or full JWT reaches the logs', async () => {
    const issuer = (await http('POST', '/api/dids', { body: { method: 'key' }, headers: { prefer: 'wait=10' } })).body.result.did;
    const issued = await http('POST', '/api/credentials/issue', { body: { issuerDid: issuer, subjectDid: issuer, credentialType: 'T', claims: {} }, headers: { prefer: 'wait=10' } });
    const jwt = issued.body.result.vcJwt as string;
    await http('POST', '/api/credentials/verify', { body: { vcJwt: jwt }, headers: { prefer: 'wait=10', authorization: 'Bearer test-key', 'x-api-key': '' } });
    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain('test-key');
    expect(logs).not.toContain('reader-key');
    expect(logs).not.toContain(jwt);
    expect(logs).not.toContain(world.config().WEBHOOK_SIGNING_SECRET);
  });
});
