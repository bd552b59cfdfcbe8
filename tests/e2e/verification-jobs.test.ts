/**
 * The verification HTTP contract against a real API, worker, Postgres, Redis, EVM
 * node and manifest host, all on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { auth, type Json, makeManifest, startWorld, uploadForm, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

let world: World;
let api: ApiServer;
let worker: WorkerProcess;

beforeAll(async () => {
  world = await startWorld();
  const config = world.config({ JOB_ATTEMPTS: '3', MAX_UPLOAD_BYTES: String(64 * 1024) });
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
});

afterAll(async () => {
  await Promise.allSettled([api?.close(), worker?.close()]);
  await world?.close();
});

const post = (path: string, form: FormData, headers: Record<string, string> = auth) =>
  fetch(`${api.url}${path}`, { method: 'POST', body: form, headers });
const get = (path: string, headers: Record<string, string> = auth) => fetch(`${api.url}${path}`, { headers });

/** Waits for the job's row to end (the API's job waiter, on row changes); returns its view then. */
// biome-ignore lint/suspicious/noExplicitAny: a job view is checked field by field below
async function settle(jobId: string): Promise<any> {
  const row = await api.waiter.wait(jobId, ['completed', 'failed'], 30_000);
  if (!row) throw new Error(`job ${jobId} did not finish within 30 s`);
  return (await get(`/api/verification-jobs/${jobId}`)).json();
}

describe('POST /api/verification-jobs/verify', () => {
  it('when the file, manifest and registry all agree, then the job completes with OK', async () => {
    const c = await world.content();
    const res = await post('/api/verification-jobs/verify', uploadForm(c.bytes, { manifestURI: c.manifestUri, registryAddress: world.registry }));
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const accepted = (await res.json()) as Record<string, string>;
    expect(accepted).toMatchObject({ mode: 'async', status: 'queued', pollUrl: `/api/verification-jobs/${accepted.jobId}` });
    expect(accepted.message).toMatch(/queued/i);

    const job = (await settle(accepted.jobId as string)) as Record<string, unknown>;
    expect(job).toMatchObject({
      id: accepted.jobId,
      jobId: accepted.jobId,
      type: 'verify',
      status: 'completed',
      progress: 100,
      contentHash: c.hash,
      manifestUri: c.manifestUri,
      error: null,
      retryCount: 0,
    });
    expect(job.startedAt).toBeTruthy();
    expect(job.completedAt).toBeTruthy();
    expect(job.result).toMatchObject({
      status: 'OK',
      fileHash: c.hash,
      checks: { manifestHashOk: true, creatorOk: true, manifestOk: true },
    });
    expect(((job.result as { recovered: string }).recovered).toLowerCase()).toBe(world.creator.address.toLowerCase());
  });

  it('when the on-chain manifest URI differs from the submitted one, then the result is WARN', async () => {
    const c = await world.content({ onchainUri: 'ipfs://bafyother/manifest.json' });
    const res = await post('/api/verification-jobs/verify', uploadForm(c.bytes, { manifestURI: c.manifestUri }));
    const job = (await settle(((await res.json()) as { jobId: string }).jobId)) as { result: { status: string; checks: unknown } };
    expect(job.result.status).toBe('WARN');
    expect(job.result.checks).toEqual({ manifestHashOk: true, creatorOk: true, manifestOk: false });
  });

  it('when someone else signed the manifest, then the result is FAIL', async () => {
    const c = await world.content({ signer: world.stranger });
    const res = await post('/api/verification-jobs/verify', uploadForm(c.bytes, { manifestURI: c.manifestUri }));
    const job = (await settle(((await res.json()) as { jobId: string }).jobId)) as { result: { status: string; checks: { creatorOk: boolean }; recovered: string } };
    expect(job.result.status).toBe('FAIL');
    expect(job.result.checks.creatorOk).toBe(false);
    expect(job.result.recovered.toLowerCase()).toBe(world.stranger.address.toLowerCase());
  });

  it('when the hash was never registered, then the result is FAIL with registered false', async () => {
    const c = await world.content({ register: false });
    const res = await post('/api/verification-jobs/verify', uploadForm(c.bytes, { manifestURI: c.manifestUri }));
    const job = (await settle(((await res.json()) as { jobId: string }).jobId)) as { result: { status: string; onchain: { registered: boolean } } };
    expect(job.result.status).toBe('FAIL');
    expect(job.result.onchain.registered).toBe(false);
  });

  it('when the manifest cannot be fetched, then the job retries and fails with a clear error', async () => {
    const c = await world.content();
    world.manifests.put(c.path, { error: 'down' }, { status: 500 });
    const res = await post('/api/verification-jobs/verify', uploadForm(c.bytes, { manifestURI: c.manifestUri }));
    const job = (await settle(((await res.json()) as { jobId: string }).jobId)) as Record<string, unknown>;
    expect(job.status).toBe('failed');
    expect(job.retryCount).toBe(2);
    expect(job.error).toMatch(/500/);
    expect(job.error).toContain(c.manifestUri);
    expect(world.manifests.hits(c.path)).toBe(3);
  });

  it('when the manifest URI has an unsupported scheme, then 400 names the field and no job is created', async () => {
    const c = await world.content();
    const res = await post('/api/verification-jobs/verify', uploadForm(c.bytes, { manifestURI: 'ftp://example.org/m.json' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await res.json()) as { status: number; errors: Array<{ field: string }> };
    expect(problem.status).toBe(400);
    expect(problem.errors.map((e) => e.field)).toContain('manifestURI');
    const list = (await (await get('/api/verification-jobs?limit=100')).json()) as { items: Array<{ contentHash: string }> };
    expect(list.items.some((i) => i.contentHash === c.hash)).toBe(false);
  });

  it('when the file is missing, then 400 names the file field', async () => {
    const form = new FormData();
    form.set('manifestURI', 'https://example.org/m.json');
    const res = await post('/api/verification-jobs/verify', form);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toEqual(['file']);
  });

  it('when the registry address is malformed, then 400 names registryAddress', async () => {
    const c = await world.content();
    const res = await post('/api/verification-jobs/verify', uploadForm(c.bytes, { manifestURI: c.manifestUri, registryAddress: '0xnothex' }));
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toContain('registryAddress');
  });

  it('when the file is larger than MAX_UPLOAD_BYTES, then 413', async () => {
    const res = await post('/api/verification-jobs/verify', uploadForm(new Uint8Array(65 * 1024 + 70 * 1024), { manifestURI: 'https://example.org/m.json' }));
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('when the multipart body is malformed, then 400 problem+json and no job', async () => {
    const before = ((await (await get('/api/verification-jobs?limit=1')).json()) as { total: number }).total;
    const boundary = 'vcqboundary';
    const truncated = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\nabc`;
    const res = await fetch(`${api.url}/api/verification-jobs/verify`, {
      method: 'POST',
      headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: truncated,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const noBoundary = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: { ...auth, 'content-type': 'multipart/form-data' }, body: 'x' });
    expect(noBoundary.status).toBe(400);
    const after = ((await (await get('/api/verification-jobs?limit=1')).json()) as { total: number }).total;
    expect(after).toBe(before);
  });

  it('when the file comes in another field or twice, then 400 names the field', async () => {
    const c = await world.content();
    const wrong = new FormData();
    wrong.set('manifestURI', c.manifestUri);
    wrong.set('upload', new Blob([c.bytes]), 'a.bin');
    const res = await post('/api/verification-jobs/verify', wrong);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(['upload']);
    const twice = uploadForm(c.bytes, { manifestURI: c.manifestUri });
    twice.append('file', new Blob([c.bytes]), 'b.bin');
    expect((await post('/api/verification-jobs/verify', twice)).status).toBe(400);
  });

  it('when the body is not multipart, then 415 problem+json', async () => {
    const res = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(415);
  });
});

describe('POST /api/verification-jobs/proof', () => {
  it('when the content is registered, then the proof carries the registration transaction', async () => {
    const c = await world.content();
    const res = await post('/api/verification-jobs/proof', uploadForm(c.bytes, { manifestURI: c.manifestUri }));
    expect(res.status).toBe(202);
    const job = (await settle(((await res.json()) as { jobId: string }).jobId)) as { type: string; result: Record<string, any> };
    expect(job.type).toBe('proof');
    expect(job.result.tx).toEqual({ txHash: c.tx?.txHash, hash: c.tx?.txHash, blockNumber: expect.anything() });
    expect(Number(job.result.tx.blockNumber)).toBe(Number(c.tx?.blockNumber));
    expect(job.result.network).toEqual({ chainId: world.evm.chainId });
    expect(job.result.signature.valid).toBe(true);
    expect(job.result.verification.status).toBe('OK');
    expect(job.result.registry.toLowerCase()).toBe(world.registry.toLowerCase());
  });
});

describe('reading jobs', () => {
  it('when jobs are listed with a status filter and paging, then only matching ones come back', async () => {
    const res = await get('/api/verification-jobs?status=completed&limit=2&offset=0');
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: Array<{ status: string }>; total: number; limit: number };
    expect(page.limit).toBe(2);
    expect(page.items.length).toBeLessThanOrEqual(2);
    expect(page.total).toBeGreaterThanOrEqual(page.items.length);
    for (const item of page.items) expect(item.status).toBe('completed');
  });

  it('when the list query is invalid, then 400 names the parameter', async () => {
    const res = await get('/api/verification-jobs?limit=0&status=done');
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field).sort()).toEqual(['limit', 'status']);
  });

  it('when stats are read, then they match the rows', async () => {
    const stats = (await (await get('/api/verification-jobs/stats')).json()) as Record<string, unknown>;
    expect(stats.available).toBe(true);
    const completed = (await (await get('/api/verification-jobs?status=completed&limit=1')).json()) as { total: number };
    const failed = (await (await get('/api/verification-jobs?status=failed&limit=1')).json()) as { total: number };
    expect(stats.completed).toBe(completed.total);
    expect(stats.failed).toBe(failed.total);
    expect(typeof stats.waiting).toBe('number');
    expect(typeof stats.active).toBe('number');
  });

  it('when a job id does not exist or is malformed, then 404 problem+json', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await get(`/api/verification-jobs/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect((await get('/api/jobs/not-a-uuid')).status).toBe(404);
  });

  it('when a job is read through the generic route, then it has the same view', async () => {
    const c = await world.content();
    const { jobId } = (await (await post('/api/verification-jobs/verify', uploadForm(c.bytes, { manifestURI: c.manifestUri }))).json()) as { jobId: string };
    const done = await settle(jobId);
    const generic = await (await get(`/api/jobs/${jobId}`)).json();
    expect(generic).toEqual(done);
  });
});

describe('legacy synchronous routes', () => {
  it('when /api/verify is called, then the result comes back in the response', async () => {
    const c = await world.content();
    const res = await post('/api/verify', uploadForm(c.bytes, { manifestURI: c.manifestUri, registryAddress: world.registry }));
    expect(res.status).toBe(200);
    const result = (await res.json()) as { status: string; fileHash: string };
    expect(result).toMatchObject({ status: 'OK', fileHash: c.hash });
  });

  it('when /api/proof is called, then the proof comes back in the response', async () => {
    const c = await world.content();
    const res = await post('/api/proof', uploadForm(c.bytes, { manifestURI: c.manifestUri }));
    expect(res.status).toBe(200);
    const proof = (await res.json()) as { tx: { hash: string } };
    expect(proof.tx.hash).toBe(c.tx?.txHash);
  });

  it('when the legacy manifest host is down, then 502 problem+json rather than 500', async () => {
    const c = await world.content();
    world.manifests.put(c.path, 'oops', { status: 503 });
    const res = await post('/api/verify', uploadForm(c.bytes, { manifestURI: c.manifestUri }));
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});

describe('authentication and health', () => {
  it('when no key or a wrong key is sent, then 401 problem+json', async () => {
    const none = await get('/api/verification-jobs/stats', {});
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await get('/api/verification-jobs/stats', { 'x-api-key': 'nope' })).status).toBe(401);
  });

  it('when the key comes as a Bearer token, then it is accepted', async () => {
    expect((await get('/api/verification-jobs/stats', { authorization: 'Bearer second-key' })).status).toBe(200);
  });

  it('when health is probed, then healthz and readyz answer 200', async () => {
    expect((await get('/healthz', {})).status).toBe(200);
    const ready = await get('/readyz', {});
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'up', queue: 'up', queueBackend: 'redis' } });
  });

  it('when a route does not exist, then 404 problem+json with a request id', async () => {
    const res = await get('/nope', {});
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('when a caller supplies x-request-id, then it is echoed', async () => {
    const res = await get('/healthz', { 'x-request-id': 'abc-123' });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
  });

  it('when the reconciler runs with everything in Redis, then it re-adds nothing', async () => {
    const report = (await worker.reconcile()) as { readded: number } | null;
    expect(report?.readded ?? 0).toBe(0);
  });
});

describe('coming from Internet ID: its clients read the same names', () => {
  it('when a proof job completes, then its result carries Internet ID’s proof field names beside vcq’s', async () => {
    const c = await world.content();
    const res = await post('/api/verification-jobs/proof', uploadForm(c.bytes, { manifestURI: c.manifestUri, registryAddress: world.registry }, 'clip.mp4'));
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as Record<string, string>;
    expect(accepted.message).toBe('Proof generation job queued successfully');
    const job = await settle(accepted.jobId as string);
    const proof = job.result;
    expect(proof.generated_at).toBe(proof.generatedAt);
    expect(Number.isNaN(Date.parse(proof.generated_at))).toBe(false);
    expect(proof.content).toMatchObject({ file: 'clip.mp4', hash: c.hash });
    expect(proof.manifest).toMatchObject({ uri: c.manifestUri, creator_did: c.manifest.creator_did, signature: c.manifest.signature });
    expect(proof.tx).toMatchObject({ txHash: c.tx?.txHash, hash: c.tx?.txHash });
    expect(proof.verification).toMatchObject({ fileHashMatchesManifest: true, creatorMatchesOnchain: true, manifestURIMatchesOnchain: true, status: 'OK' });
    expect(proof.onchain).toMatchObject({ contentHash: c.hash, manifestURI: c.manifestUri });
  });

  it('when the legacy /api/proof and /api/verify answer, then they carry the same names', async () => {
    const c = await world.content({ onchainUri: 'ipfs://bafyother/manifest.json' });
    const proof = (await (await post('/api/proof', uploadForm(c.bytes, { manifestURI: c.manifestUri }, 'a.png'))).json()) as Json;
    expect(proof.content.file).toBe('a.png');
    expect(proof.manifest.creator_did).toBe(c.manifest.creator_did);
    expect(proof.manifest.signature).toBe(c.manifest.signature);
    expect(proof.tx.txHash).toBe(c.tx?.txHash);
    // The on-chain URI differs: Internet ID's third boolean says so, as vcq's manifestOk does.
    expect(proof.verification).toMatchObject({ fileHashMatchesManifest: true, creatorMatchesOnchain: true, manifestURIMatchesOnchain: false, status: 'WARN' });
    const verified = (await (await post('/api/verify', uploadForm(c.bytes, { manifestURI: c.manifestUri }))).json()) as Json;
    expect(verified.onchain).toMatchObject({ contentHash: c.hash, registered: true, manifestURI: 'ipfs://bafyother/manifest.json' });
    const unregistered = await world.content({ register: false });
    const none = (await (await post('/api/verify', uploadForm(unregistered.bytes, { manifestURI: unregistered.manifestUri }))).json()) as Json;
    expect(none.onchain.contentHash).toBe(`0x${'0'.repeat(64)}`);
  });

  it('when a verify job is read, then the record has registryAddress, updatedAt and BullMQ’s state', async () => {
    const c = await world.content();
    const res = await post('/api/verification-jobs/verify', uploadForm(c.bytes, { manifestURI: c.manifestUri, registryAddress: world.registry }));
    const accepted = (await res.json()) as Record<string, string>;
    expect(res.status).toBe(202);
    expect(accepted.message).toBe('Verification job queued successfully');
    const queued = (await (await get(`/api/verification-jobs/${accepted.jobId}`)).json()) as Json;
    expect(['waiting', 'active', 'completed']).toContain(queued.state);
    const job = await settle(accepted.jobId as string);
    expect(job).toMatchObject({ state: 'completed', status: 'completed', registryAddress: world.registry });
    expect(Date.parse(job.updatedAt)).toBeGreaterThanOrEqual(Date.parse(job.createdAt));
    expect(job.result.onchain.contentHash).toBe(c.hash);
  });

  it('when jobs are listed, then the answer has jobs and count beside the paging fields', async () => {
    const page = (await (await get('/api/verification-jobs?limit=3')).json()) as Json;
    expect(page.jobs.length).toBeGreaterThan(0);
    expect(page.count).toBe(page.jobs.length);
    expect(page.jobs).toEqual(page.items);
    expect(page.total).toBeGreaterThanOrEqual(page.count);
    expect(page).toMatchObject({ limit: 3, offset: 0 });
    expect(page.jobs[0]).toHaveProperty('state');
  });

  it('when a problem is answered, then it carries Internet ID’s short error string', async () => {
    const missing = await get(`/api/verification-jobs/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'Job not found', type: 'urn:vcq:problem:job_not_found', status: 404 });
    expect(await (await get(`/api/jobs/${randomUUID()}`)).json()).toMatchObject({ error: 'Job not found' });
    const invalid = await get('/api/verification-jobs?limit=0');
    expect(await invalid.json()).toMatchObject({ error: 'Validation failed', status: 400, errors: [{ field: 'limit' }] });
    const noFile = new FormData();
    noFile.set('manifestURI', 'https://example.org/m.json');
    expect(await (await post('/api/verification-jobs/verify', noFile)).json()).toMatchObject({ error: 'Validation failed', errors: [{ field: 'file' }] });
    expect(await (await get('/api/verification-jobs', {})).json()).toMatchObject({ error: 'Unauthorized', status: 401 });
  });

  it('when IPFS_GATEWAY_URL is the gateway root or ends in /ipfs/, then ipfs:// manifests resolve the same', async () => {
    const cid = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
    for (const gatewayUrl of [world.gateway.url, `${world.gateway.url}/ipfs/`]) {
      const bytes = randomBytes(512);
      const hash = `0x${createHash('sha256').update(bytes).digest('hex')}` as `0x${string}`;
      const path = `${randomUUID()}/manifest.json`;
      const manifestURI = `ipfs://${cid}/${path}`;
      world.gateway.add(cid, path, await makeManifest({ contentHash: hash, account: world.creator, chainId: world.evm.chainId }));
      await world.evm.register(world.registry, hash, manifestURI, world.creator);
      const spelled = await startApi(world.config({ IPFS_GATEWAY_URL: gatewayUrl }));
      try {
        const res = await fetch(`${spelled.url}/api/verify`, { method: 'POST', headers: auth, body: uploadForm(bytes, { manifestURI }) });
        expect(res.status, gatewayUrl).toBe(200);
        expect(await res.json(), gatewayUrl).toMatchObject({ status: 'OK', checks: { manifestHashOk: true, creatorOk: true, manifestOk: true } });
        expect(world.gateway.hits(`/ipfs/${cid}/${path}`), gatewayUrl).toBe(1);
      } finally {
        await spelled.close();
      }
    }
  });
});
