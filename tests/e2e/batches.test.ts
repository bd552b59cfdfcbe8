/**
 * Batches on both queue backends: a parent job with a child per item, the parent's
 * progress and summary from its children, one webhook when all have ended, a failed
 * child failing only itself, the whole batch refused (and nothing written) on a bad
 * item, and the reconciler settling a parent whose settle was lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, freePort, jsonClient, type Json, startHookCollector, startWorld, waitFor, type World } from '@vcq/testing';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';

describe.each(['redis', 'postgres'] as const)('batches on the %s backend', (backend) => {
  let world: World;
  let api: ApiServer;
  let worker: WorkerProcess;
  let receiver: Awaited<ReturnType<typeof startHookCollector>>;
  const call = jsonClient(() => api.url);

  beforeAll(async () => {
    world = await startWorld();
    receiver = await startHookCollector();
    // On the PostgreSQL backend Redis points at a closed port: nothing may need it.
    const env: Record<string, string> = backend === 'postgres' ? { QUEUE_BACKEND: 'postgres', REDIS_URL: `redis://127.0.0.1:${await freePort()}` } : {};
    const config = world.config({ ...env, JOB_ATTEMPTS: '2', BATCH_MAX_ITEMS: '5' });
    [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
  });

  afterAll(async () => {
    await Promise.allSettled([api?.close(), worker?.close(), receiver?.close()]);
    await world?.close();
  });

  /** The job view once its row has ended (the API's waiter, on row changes). */
  const ended = async (id: string): Promise<Json> => {
    const row = await api.waiter.wait(id, ['completed', 'failed'], 30_000);
    if (!row) throw new Error(`job ${id} did not end within 30 s`);
    return (await call('GET', `/api/jobs/${id}`)).body;
  };

  /** Waits for the batch's webhook delivery to be sent, then returns what the receiver got for the batch and its children. */
  const webhooksOf = async (parentId: string, childIds: string[]) => {
    const [delivery] = await waitFor(
      async () => {
        const rows = await world.sql<{ job_id: string | null }>('SELECT job_id::text FROM webhook_deliveries WHERE source_job_id = $1::uuid AND job_id IS NOT NULL', [parentId]);
        return rows.length > 0 ? rows : undefined;
      },
      { what: 'the batch webhook delivery' },
    );
    await ended(delivery?.job_id as string);
    const rows = await world.sql<{ n: string }>('SELECT count(*) AS n FROM webhook_deliveries WHERE source_job_id = ANY($1::uuid[])', [[parentId, ...childIds]]);
    return { rows: Number(rows[0]?.n), received: receiver.delivered.filter((d) => [parentId, ...childIds].includes(d.jobId)) };
  };

  const batchForm = (files: Uint8Array[], fields: Array<[string, string]>) => {
    const form = new FormData();
    for (const [name, value] of fields) form.append(name, value);
    for (const [i, bytes] of files.entries()) form.append('file', new Blob([bytes]), `item-${i}.bin`);
    return form;
  };
  const postForm = async (form: FormData) => {
    const res = await fetch(`${api.url}/api/verification-jobs/batch`, { method: 'POST', headers: auth, body: form });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
  };
  const countJobs = async () => Number((await world.sql<{ n: string }>('SELECT count(*) AS n FROM jobs'))[0]?.n);

  it('when N files are verified as a batch, then every child completes, the parent completes with their summary, and one webhook is sent', async () => {
    const contents = await Promise.all([world.content(), world.content(), world.content()]);
    const form = batchForm(
      contents.map((c) => c.bytes),
      [...contents.map((c): [string, string] => ['manifestURI', c.manifestUri]), ['registryAddress', world.registry], ['callbackUrl', receiver.url]],
    );
    const accepted = await postForm(form);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ mode: 'async', status: 'queued', total: 3, message: 'Verification batch queued successfully' });
    const parentId = accepted.body.jobId as string;
    expect(accepted.headers.get('location')).toBe(`/api/jobs/${parentId}`);
    const items = accepted.body.items as Array<{ index: number; jobId: string; pollUrl: string }>;
    expect(items.map((i) => i.index)).toEqual([0, 1, 2]);

    const parent = await ended(parentId);
    expect(parent).toMatchObject({ type: 'batch', status: 'completed', progress: 100 });
    expect(parent.result).toMatchObject({ total: 3, completed: 3, failed: 0 });
    expect(parent.result.children).toEqual(items.map((i) => ({ index: i.index, jobId: i.jobId, status: 'completed', pollUrl: i.pollUrl, error: null, errorCode: null })));
    for (const [index, item] of items.entries()) {
      expect(item.pollUrl).toBe(`/api/verification-jobs/${item.jobId}`);
      const child = (await call('GET', item.pollUrl)).body;
      expect(child).toMatchObject({ status: 'completed', parentId, contentHash: contents[index]?.hash, result: { status: 'OK' } });
    }

    const hooks = await webhooksOf(parentId, items.map((i) => i.jobId));
    expect(hooks.rows).toBe(1);
    expect(hooks.received).toHaveLength(1);
    expect(hooks.received[0]).toMatchObject({ event: 'batch.completed', jobId: parentId, data: { total: 3, completed: 3, failed: 0 } });
  });

  it('when one child fails permanently, then only it fails, and the parent completes with it failed in the summary', async () => {
    const [good, bad, alsoGood] = await Promise.all([world.content(), world.content(), world.content()]);
    const nowhere = world.evm.accounts[4]?.address as string; // an account: no registry answers there
    const form = batchForm(
      [good, bad, alsoGood].map((c) => c.bytes),
      [
        ['type', 'proof'],
        ...[good, bad, alsoGood].map((c): [string, string] => ['manifestURI', c.manifestUri]),
        ['registryAddress', world.registry],
        ['registryAddress', nowhere],
        ['registryAddress', world.registry],
        ['callbackUrl', receiver.url],
      ],
    );
    const accepted = await postForm(form);
    expect(accepted.status).toBe(202);
    const parentId = accepted.body.jobId as string;
    const items = accepted.body.items as Array<{ jobId: string }>;
    const parent = await ended(parentId);
    expect(parent).toMatchObject({ status: 'completed', progress: 100, result: { total: 3, completed: 2, failed: 1 } });
    expect(parent.result.children.map((c: Json) => c.status)).toEqual(['completed', 'failed', 'completed']);
    expect(parent.result.children[1]).toMatchObject({ jobId: items[1]?.jobId, errorCode: 'registry_not_found' });
    // Failed at once (permanent), not retried; its siblings are untouched by it.
    expect((await call('GET', `/api/verification-jobs/${items[1]?.jobId}`)).body).toMatchObject({ status: 'failed', retryCount: 0, errorCode: 'registry_not_found' });
    expect((await call('GET', `/api/verification-jobs/${items[0]?.jobId}`)).body).toMatchObject({ status: 'completed', type: 'proof', result: { verification: { status: 'OK' } } });

    const hooks = await webhooksOf(parentId, items.map((i) => i.jobId));
    expect(hooks.rows).toBe(1);
    expect(hooks.received).toEqual([expect.objectContaining({ event: 'batch.completed', jobId: parentId, data: expect.objectContaining({ failed: 1 }) })]);
  });

  it('when credentials are issued as a batch, then each child issues one and the parent summarises them', async () => {
    const did = await call('POST', '/api/dids', { method: 'key' }, { prefer: 'wait=20' });
    const issuer = did.body.result.did as string;
    const item = (n: number) => ({ issuerDid: issuer, subjectDid: issuer, credentialType: 'BatchCheck', claims: { n } });
    const accepted = await call('POST', '/api/credentials/issue/batch', { items: [item(0), item(1), item(2)], callbackUrl: receiver.url });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ total: 3, message: 'Credential issuance batch queued successfully' });
    const parentId = accepted.body.jobId as string;
    const parent = await ended(parentId);
    expect(parent.result).toMatchObject({ total: 3, completed: 3, failed: 0 });
    for (const child of accepted.body.items as Array<{ jobId: string; pollUrl: string }>) {
      expect(child.pollUrl).toBe(`/api/jobs/${child.jobId}`);
      const view = (await call('GET', child.pollUrl)).body;
      expect(view).toMatchObject({ type: 'issue-credential', status: 'completed', parentId });
      expect(typeof view.result.vcJwt).toBe('string');
    }
    // The same Idempotency-Key and items again: the first batch, not a second one; other items: 409.
    const key = { 'idempotency-key': `batch-${parentId}` };
    const once = await call('POST', '/api/credentials/issue/batch', [item(7), item(8)], key);
    const twice = await call('POST', '/api/credentials/issue/batch', [item(7), item(8)], key);
    expect(once.status).toBe(202);
    expect(twice.headers.get('idempotent-replayed')).toBe('true');
    expect(twice.body).toMatchObject({ jobId: once.body.jobId, items: once.body.items });
    expect((await call('POST', '/api/credentials/issue/batch', [item(7)], key)).status).toBe(409);
    expect((await ended(once.body.jobId as string)).result).toMatchObject({ total: 2, completed: 2 });

    // A bare JSON array is a batch too (without a webhook).
    const bare = await call('POST', '/api/credentials/issue/batch', [item(3)]);
    expect(bare.status).toBe(202);
    expect((await ended(bare.body.jobId as string)).result).toMatchObject({ total: 1, completed: 1 });

    const hooks = await webhooksOf(parentId, (accepted.body.items as Array<{ jobId: string }>).map((i) => i.jobId));
    expect(hooks.rows).toBe(1);
    expect(hooks.received).toHaveLength(1);
  });

  it('when a batch is sent with job options, then every child carries them; an unknown envelope field is a 400 and nothing is written', async () => {
    const did = await call('POST', '/api/dids', { method: 'key' }, { prefer: 'wait=20' });
    const issuer = did.body.result.did as string;
    const item = (n: number) => ({ issuerDid: issuer, subjectDid: issuer, credentialType: 'BatchOptions', claims: { n } });
    const accepted = await call('POST', '/api/credentials/issue/batch', { items: [item(0), item(1)], priority: 'critical', attempts: 1 });
    expect(accepted.status).toBe(202);
    const childIds = (accepted.body.items as Array<{ jobId: string }>).map((c) => c.jobId);
    const rows = await world.sql<{ priority: number; max_attempts: number }>('SELECT priority, max_attempts FROM jobs WHERE id = ANY($1::uuid[])', [childIds]);
    expect(rows).toEqual([
      { priority: 0, max_attempts: 1 },
      { priority: 0, max_attempts: 1 },
    ]);
    expect((await ended(accepted.body.jobId as string)).result).toMatchObject({ total: 2, completed: 2 });

    const before = await countJobs();
    const unknown = await call('POST', '/api/credentials/issue/batch', { items: [item(2)], colour: 'blue' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: Json) => e.field)).toEqual(['colour']);
    const c = await world.content();
    const form = batchForm([c.bytes], [['manifestURI', c.manifestUri], ['registryAddress', world.registry], ['shade', 'dark']]);
    const unknownField = await postForm(form);
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors.map((e: Json) => e.field)).toEqual(['shade']);
    expect(await countJobs()).toBe(before);
  });

  it('when one item of a batch is bad, then 400 names its index and field, and nothing is written', async () => {
    const before = await countJobs();
    const good = { issuerDid: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', subjectDid: 'did:example:1', credentialType: 'X', claims: {} };
    const bad = await call('POST', '/api/credentials/issue/batch', [good, { ...good, claims: 'not an object' }, { ...good, callbackUrl: receiver.url }]);
    expect(bad.status).toBe(400);
    expect(bad.type).toMatch(/application\/problem\+json/);
    expect(bad.body.error).toBe('Validation failed');
    expect(bad.body.errors.map((e: Json) => e.field)).toEqual(['items.1.claims', 'items.2.callbackUrl']);

    const tooMany = await call('POST', '/api/credentials/issue/batch', Array.from({ length: 6 }, () => good));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ type: 'urn:vcq:problem:batch_too_large', error: 'Batch too large' });
    expect(tooMany.body.detail).toMatch(/at most 5/);
    expect((await call('POST', '/api/credentials/issue/batch', [])).status).toBe(400);

    const c = await world.content();
    const badUri = await postForm(batchForm([c.bytes, c.bytes], [['manifestURI', c.manifestUri], ['manifestURI', 'ftp://example.org/m.json']]));
    expect(badUri.status).toBe(400);
    expect(badUri.body.errors.map((e: Json) => e.field)).toEqual(['items.1.manifestURI']);
    const unpaired = await postForm(batchForm([c.bytes, c.bytes], [['manifestURI', c.manifestUri]]));
    expect(unpaired.status).toBe(400);
    expect(unpaired.body.errors.map((e: Json) => e.field)).toEqual(['manifestURI']);
    const sixFiles = await postForm(batchForm(Array.from({ length: 6 }, () => c.bytes), Array.from({ length: 6 }, (): [string, string] => ['manifestURI', c.manifestUri])));
    expect(sixFiles.status).toBe(400);
    expect(sixFiles.body.type).toBe('urn:vcq:problem:batch_too_large');
    expect(await countJobs()).toBe(before);
  });

  it('when the queue lost a batch’s children before they ran, then the reconciler re-adds them and the batch completes', async () => {
    const queue = api.platform.queues?.queue('verification');
    if (!queue) throw new Error('no verification queue');
    const contents = await Promise.all([world.content(), world.content()]);
    // No worker takes verification jobs while the children are taken out of the queue.
    await queue.pause();
    let parentId: string;
    let childIds: string[];
    try {
      const accepted = await postForm(batchForm(contents.map((c) => c.bytes), contents.map((c): [string, string] => ['manifestURI', c.manifestUri])));
      expect(accepted.status).toBe(202);
      parentId = accepted.body.jobId as string;
      childIds = (accepted.body.items as Array<{ jobId: string }>).map((i) => i.jobId);
      for (const id of childIds) expect(await queue.remove(id)).toBe(1);
      expect(await queue.getJobState(childIds[0] as string)).toBe('unknown');
    } finally {
      await queue.resume();
    }
    const report = (await worker.reconcile()) as { readded: number };
    expect(report.readded).toBeGreaterThanOrEqual(2);
    const parent = await ended(parentId);
    expect(parent.result).toMatchObject({ total: 2, completed: 2, failed: 0 });
    expect(parent.result.children.map((c: Json) => c.jobId)).toEqual(childIds);
  });

  it('when a parent’s settle was lost after its last child ended, then the reconciler completes it, and still one webhook is sent', async () => {
    const c = await world.content();
    const accepted = await postForm(batchForm([c.bytes], [['manifestURI', c.manifestUri], ['callbackUrl', receiver.url]]));
    const parentId = accepted.body.jobId as string;
    const childId = (accepted.body.items as Array<{ jobId: string }>)[0]?.jobId as string;
    await ended(parentId);
    const first = await webhooksOf(parentId, [childId]);
    expect(first.received).toHaveLength(1);
    // As if the process that ended the child died before settling the parent.
    await world.sql("UPDATE jobs SET status = 'processing', progress = 0, result = NULL, completed_at = NULL, updated_at = now() - interval '1 minute' WHERE id = $1::uuid", [parentId]);
    const report = (await worker.reconcile()) as { batches?: number };
    expect(report.batches).toBe(1);
    expect((await call('GET', `/api/jobs/${parentId}`)).body).toMatchObject({ status: 'completed', progress: 100, result: { total: 1, completed: 1 } });
    const after = await webhooksOf(parentId, [childId]);
    expect(after.rows).toBe(1);
    expect(after.received).toHaveLength(1);
  });
});
