/**
 * The emails queue end to end: POST /api/emails, the worker rendering the template
 * and sending over SMTP_URL to a real SMTP server on loopback that parses what
 * arrives and can answer 4xx or 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonClient, type SmtpSink, startSmtpSink, startWorld, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

let world: World;
let smtp: SmtpSink;
let api: ApiServer;
let worker: WorkerProcess;
const call = jsonClient(() => api.url);

beforeAll(async () => {
  [world, smtp] = await Promise.all([startWorld(), startSmtpSink()]);
  const config = world.config({ API_KEYS: 'test-key,other-organization-key@other', SMTP_URL: smtp.url, EMAIL_MAX_ATTACHMENT_BYTES: '2048', PUBLIC_BASE_URL: 'https://vcq.example' });
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
});

afterAll(async () => {
  await Promise.allSettled([api?.close(), worker?.close()]);
  await Promise.allSettled([world?.close(), smtp?.close()]);
});

const email = (overrides: Record<string, unknown> = {}) => ({
  to: ['ada@example.test', 'grace@example.test'],
  template: 'welcome',
  context: { name: 'Ada', organization: 'Acme' },
  ...overrides,
});

async function settle(jobId: string) {
  const row = await api.waiter.wait(jobId, ['completed', 'failed'], 30_000);
  if (!row) throw new Error(`job ${jobId} did not finish within 30 s`);
  return (await call('GET', `/api/jobs/${jobId}`)).body;
}

describe('POST /api/emails', () => {
  it('when an email is queued, then the worker sends it once with both bodies and the attachment, and the job holds the Message-ID', async () => {
    const res = await call('POST', '/api/emails', email({ attachments: [{ filename: 'hello.txt', content: Buffer.from('hello').toString('base64'), contentType: 'text/plain' }] }));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ mode: 'async', status: 'queued', pollUrl: `/api/jobs/${res.body.jobId}` });

    const job = await settle(res.body.jobId);
    expect(job).toMatchObject({ status: 'completed', queue: 'emails', type: 'send', retryCount: 0 });
    expect(job.result).toMatchObject({ messageId: `<${res.body.jobId}@vcq.example>`, accepted: ['ada@example.test', 'grace@example.test'], rejected: [] });
    const mail = smtp.messages.find((m) => m.messageId === job.result.messageId);
    expect(mail?.subject).toBe('Welcome to Acme, Ada');
    expect(mail?.to).toMatchObject({ value: [{ address: 'ada@example.test' }, { address: 'grace@example.test' }] });
    expect(mail?.html).toContain('<strong>Acme</strong>');
    expect(mail?.text).toContain('Your account at Acme is ready.');
    expect(mail?.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['hello.txt', 'hello']]);
    expect(smtp.messages.filter((m) => m.messageId === job.result.messageId)).toHaveLength(1);
  });

  it('when the SMTP server answers 451 first, then the job retries and completes on its second attempt', async () => {
    smtp.answerNext(451, 'Greylisted, try again');
    const before = smtp.attempts;
    const res = await call('POST', '/api/emails', email({ subject: 'Second try' }));
    const job = await settle(res.body.jobId);

    expect(job).toMatchObject({ status: 'completed', retryCount: 1 });
    expect(smtp.attempts - before).toBe(2);
    expect(smtp.messages.filter((m) => m.messageId === job.result.messageId).map((m) => m.subject)).toEqual(['Second try']);
  });

  it('when the SMTP server answers 550, then the job fails at once without retries', async () => {
    smtp.answerNext(550, 'No such user here');
    const before = smtp.attempts;
    const res = await call('POST', '/api/emails', email());
    const job = await settle(res.body.jobId);

    expect(job.status).toBe('failed');
    expect(job.retryCount).toBe(0);
    expect(job).toMatchObject({ errorCode: 'smtp_rejected', error: expect.stringMatching(/550.*No such user/) });
    // A failed row is final (it would stay queued between retries): one attempt reached the server.
    expect(smtp.attempts - before).toBe(1);
  });

  it('when the template is unknown, the attachments are too large or an address is malformed, then 400 names the field and no job is made', async () => {
    const count = async () => Number((await world.sql<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE kind = 'email-send'`))[0]?.n);
    const jobs = await count();
    const unknown = await call('POST', '/api/emails', email({ template: 'nope' }));
    expect(unknown.status).toBe(400);
    expect(unknown.type).toMatch(/application\/problem\+json/);
    expect(unknown.body.errors).toEqual([{ field: 'template', message: expect.stringContaining('welcome') }]);

    const big = await call('POST', '/api/emails', email({ attachments: [{ filename: 'big.bin', content: Buffer.alloc(2049).toString('base64') }] }));
    expect(big.status).toBe(400);
    expect(big.body.errors[0].field).toBe('attachments');

    const bad = await call('POST', '/api/emails', email({ to: ['not an address'] }));
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('to.0');
    expect(await count()).toBe(jobs);
  });

  it('when another organization asks for the job, then it is not found', async () => {
    const res = await call('POST', '/api/emails', email());
    await settle(res.body.jobId);
    const mine = await call('GET', `/api/jobs/${res.body.jobId}`);
    const other = await call('GET', `/api/jobs/${res.body.jobId}`, undefined, { 'x-api-key': 'other-organization-key' });
    expect(mine.status).toBe(200);
    expect(other.status).toBe(404);
  });
});

describe('POST /api/emails without SMTP_URL', () => {
  it('when no SMTP server is configured, then the route answers 409 naming SMTP_URL', async () => {
    const bare = await startApi(world.config());
    try {
      const res = await fetch(`${bare.url}/api/emails`, { method: 'POST', headers: { 'x-api-key': 'test-key', 'content-type': 'application/json' }, body: JSON.stringify(email()) });
      expect(res.status).toBe(409);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/SMTP_URL/);
    } finally {
      await bare.close();
    }
  });
});
