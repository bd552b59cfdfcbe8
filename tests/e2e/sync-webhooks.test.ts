/**
 * A job run in sync fallback (Redis down) answers without waiting on its webhook
 * receiver: the delivery is left pending, and the webhook retry sweep sends it once
 * Redis is back, exactly once and signed.
 */
import { once, EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, waitFor, type RedisServer, auth, startWorld, type World } from '@vcq/testing';
import { verifyWebhookSignature } from '@vcq/webhooks';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

interface SyncAnswer {
  mode: string;
  jobId: string;
  result: { did: string };
}
interface SweepAnswer {
  data: { task: string; status: string; result: { checked: boolean; due: number; requeued: number; requeuedIds: string[] } };
}

const SECRET = 'sync-fallback-webhook-secret';

interface Hit {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver that holds every answer until `release()`; emits 'hit' as each request arrives. */
class HoldingReceiver extends EventEmitter {
  readonly hits: Hit[] = [];
  private readonly held: ServerResponse[] = [];
  private releasedAll = false;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    super();
  }

  static async start(): Promise<HoldingReceiver> {
    let receiver: HoldingReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const hit = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        receiver?.hits.push(hit);
        if (receiver?.releasedAll) res.writeHead(204).end();
        else receiver?.held.push(res);
        receiver?.emit('hit', hit);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new HoldingReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    return receiver;
  }

  /** Answers 204 to every held request and to every later one. */
  release(): void {
    this.releasedAll = true;
    for (const res of this.held.splice(0)) res.writeHead(204).end();
  }

  close(): Promise<void> {
    this.release();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

let world: World;
let redis: RedisServer;
let receiver: HoldingReceiver;
let api: ApiServer;
let worker: WorkerProcess | undefined;

const config = () =>
  world.config({
    REDIS_URL: redis.url,
    WEBHOOK_SIGNING_SECRET: SECRET,
    // Were the delivery still made in the request, the answer would wait this long.
    WEBHOOK_TIMEOUT_MS: '30000',
    // Only the test's own retry-all runs the sweep; nothing else re-adds jobs behind its back.
    WEBHOOK_RETRY_SWEEP_ENABLED: 'false',
    RECONCILE_ENABLED: 'false',
    CLEANUP_CRON: '0 0 1 1 *',
  });

beforeAll(async () => {
  world = await startWorld();
  redis = await startRedisServer();
  await redis.stop();
  receiver = await HoldingReceiver.start();
  api = await startApi(config());
});

afterAll(async () => {
  await Promise.allSettled([worker?.close(), api?.close(), receiver?.close()]);
  await redis?.stop();
  await world?.close();
});

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const deliveryOf = async (sourceJobId: string) =>
  (
    await world.sql<{ id: string; status: string; job_id: string | null; attempt_count: number }>(
      'SELECT id, status, job_id, attempt_count FROM webhook_deliveries WHERE source_job_id = $1',
      [sourceJobId],
    )
  )[0];

describe('webhooks of jobs run in sync fallback', () => {
  it('when Redis is down, then the answer does not wait for the receiver, and the sweep delivers the webhook once Redis is back', async () => {
    const stats = async () => (await call<{ available: boolean }>('GET', '/api/verification-jobs/stats')).body.available;
    expect(await stats()).toBe(false);

    // Whichever comes first: the API's answer, or the receiver being called.
    const answer = call<SyncAnswer>('POST', '/api/dids', { method: 'key', callbackUrl: receiver.url });
    const calledFirst = once(receiver, 'hit').then(() => 'receiver' as const);
    const first = await Promise.race([answer.then(() => 'answer' as const), calledFirst]);
    expect(first).toBe('answer');
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mode: 'sync', jobId: expect.any(String), result: { did: expect.stringMatching(/^did:key:/) } });
    expect(receiver.hits).toHaveLength(0);

    // The delivery is recorded, pending, with no job yet: what the retry sweep looks for.
    const pending = await deliveryOf(res.body.jobId);
    expect(pending).toMatchObject({ status: 'pending', job_id: null, attempt_count: 0 });
    const deliveryId = (pending as { id: string }).id;

    await redis.start();
    await waitFor(stats, { what: 'the API to notice redis is back', timeoutMs: 10_000 });
    worker = await startWorker(config());

    const hit = once(receiver, 'hit');
    const swept = await call<SweepAnswer>('POST', '/webhooks/retry-all');
    expect(swept.status).toBe(200);
    expect(swept.body.data).toMatchObject({ task: 'webhook-retry-sweep', status: 'completed', result: { checked: true, requeued: 1, requeuedIds: [deliveryId] } });

    const [{ headers, body }] = (await hit) as [Hit];
    expect(verifyWebhookSignature(headers['x-vcq-signature'] as string, body, SECRET, { deliveryId: headers['x-vcq-delivery'] })).toBe(true);
    expect(headers['x-vcq-delivery']).toBe(deliveryId);
    expect(JSON.parse(body)).toMatchObject({ event: 'did.created', jobId: res.body.jobId, data: { did: res.body.result.did } });
    receiver.release();

    await waitFor(async () => (await deliveryOf(res.body.jobId))?.status === 'delivered', { what: 'the delivery to be recorded as delivered' });
    expect(await deliveryOf(res.body.jobId)).toMatchObject({ status: 'delivered', job_id: deliveryId, attempt_count: 1 });

    // A second sweep finds nothing due: delivered once, and only once.
    const again = await call<SweepAnswer>('POST', '/webhooks/retry-all');
    expect(again.body.data.result).toMatchObject({ checked: true, due: 0, requeued: 0 });
    expect(receiver.hits).toHaveLength(1);
    const attempts = await world.sql<{ attempt: number; status_code: number }>('SELECT attempt, status_code FROM webhook_attempts WHERE delivery_id = $1', [deliveryId]);
    expect(attempts).toEqual([{ attempt: 1, status_code: 204 }]);
  });
});
