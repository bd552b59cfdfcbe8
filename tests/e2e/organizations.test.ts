/**
 * Tenants kept apart, through the HTTP API with a real worker, Postgres and Redis:
 * each key sees and acts only on its organization's jobs, DIDs, credentials and
 * VC events, another organization's resource answers exactly like a missing one, and
 * a platform-wide admin key sees (and may act for) every organization.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, jsonClient, type Json, startWorld, uploadForm, waitFor, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

const ACME = { 'x-api-key': 'acme-key-0001' };
const ACME_READER = { 'x-api-key': 'acme-reader-01' };
const GLOBEX = { 'x-api-key': 'globex-key-01' };
/** No organization named: the default one, with every scope, `admin` (platform-wide) included. */
const PLATFORM = { 'x-api-key': 'platform-key-1' };

let world: World;
let api: ApiServer;
let worker: WorkerProcess;
let base: string;

beforeAll(async () => {
  world = await startWorld();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const config = world.config({
    PORT: String(port),
    PUBLIC_BASE_URL: base,
    API_KEYS: 'acme-key-0001@acme,acme-reader-01:read@acme,globex-key-01@globex,platform-key-1',
    PREFER_WAIT_MAX_SECONDS: '20',
    VC_EVENTS_TYPE_MAP: 'record_anchored:issued,record_revoked:revoked',
    WEBHOOK_RETRY_SCHEDULE_MS: '60000',
  });
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
});

afterAll(async () => {
  await Promise.allSettled([api?.close(), worker?.close()]);
  await world?.close();
});

const call = jsonClient(() => base);
const as = (key: Record<string, string>) => ({
  get: (path: string) => call('GET', path, undefined, key),
  post: (path: string, body: unknown = {}, headers: Record<string, string> = {}) => call('POST', path, body, { ...key, ...headers }),
  /** Submits and waits for the outcome in the same request. */
  run: (path: string, body: unknown) => call('POST', path, body, { ...key, prefer: 'wait=15' }),
});
const acme = as(ACME);
const globex = as(GLOBEX);
const platform = as(PLATFORM);

/** A did:key of `who`'s organization, created through the queue. */
async function didOf(who: ReturnType<typeof as>, body: Json = { method: 'key' }): Promise<string> {
  const res = await who.run('/api/dids', body);
  expect(res.body.status, JSON.stringify(res.body)).toBe('completed');
  return res.body.result.did as string;
}

/** A credential issued by `who` with `issuerDid`; the finished job. */
async function issue(who: ReturnType<typeof as>, issuerDid: string, extra: Json = {}): Promise<Json> {
  const res = await who.run('/api/credentials/issue', {
    issuerDid,
    subjectDid: 'did:example:alice',
    credentialType: 'MembershipCredential',
    claims: { member: true },
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** The 404 detail of a resource that does not exist at all, with its id swapped for `id`. */
const missingDetail = async (path: (id: string) => string, id: string) => {
  const other = randomUUID();
  const res = await acme.get(path(other));
  expect(res.status).toBe(404);
  return (res.body.detail as string).replace(other, id);
};

describe('organizations', () => {
  let acmeDid: string;
  let acmeJob: Json;

  beforeAll(async () => {
    acmeDid = await didOf(acme);
    acmeJob = await issue(acme, acmeDid, { userId: 'user-7' });
  });

  it("when an organization's key works, then its jobs, DIDs and credentials name that organization and the job its userId", async () => {
    expect(acmeJob).toMatchObject({ status: 'completed', organizationId: 'acme', userId: 'user-7' });
    const credential = await acme.get(`/api/credentials/${acmeJob.result.credentialId}`);
    expect(credential.status).toBe(200);
    expect(credential.body).toMatchObject({ organizationId: 'acme', userId: 'user-7', issuer: acmeDid });
    const [row] = await world.sql<{ organization_id: string; user_id: string | null }>('SELECT organization_id, user_id FROM jobs WHERE id = $1', [acmeJob.id]);
    expect(row).toEqual({ organization_id: 'acme', user_id: 'user-7' });
    const [did] = await world.sql<{ organization_id: string }>('SELECT organization_id FROM dids WHERE did = $1', [acmeDid]);
    expect(did?.organization_id).toBe('acme');
    // A read-only key of the same organization sees it too.
    expect((await as(ACME_READER).get(`/api/jobs/${acmeJob.id}`)).status).toBe(200);
  });

  it("when another organization asks for an organization's job or credential, then it gets the 404 of one that does not exist", async () => {
    const job = await globex.get(`/api/jobs/${acmeJob.id}`);
    expect(job.status).toBe(404);
    expect(job.type).toMatch(/problem\+json/);
    expect(job.body.detail).toBe(await missingDetail((id) => `/api/jobs/${id}`, acmeJob.id));
    expect(JSON.stringify(job.body)).not.toContain('acme');

    const events = await fetch(`${base}/api/jobs/${acmeJob.id}/events`, { headers: GLOBEX });
    expect(events.status).toBe(404);
    await events.body?.cancel();

    const credentialId = acmeJob.result.credentialId as string;
    const credential = await globex.get(`/api/credentials/${credentialId}`);
    expect(credential.status).toBe(404);
    expect(credential.body.detail).toBe(await missingDetail((id) => `/api/credentials/${id}`, credentialId));
  });

  it("when another organization revokes an organization's credential, then it is not found and the credential stays valid", async () => {
    const { credentialId, vcJwt } = acmeJob.result as { credentialId: string; vcJwt: string };
    const revoke = await globex.post(`/api/credentials/${credentialId}/revoke`);
    expect(revoke.status).toBe(404);
    expect((await acme.get(`/api/credentials/${credentialId}`)).body.status).toBe('issued');
    // Anyone may verify a credential: verification is not an act on it.
    const verified = await globex.run('/api/credentials/verify', { vcJwt });
    expect(verified.body.result).toMatchObject({ valid: true, error: null });
  });

  it("when another organization issues with an organization's DID, then the job fails as unknown_issuer and no credential exists", async () => {
    const job = await issue(globex, acmeDid);
    expect(job).toMatchObject({ status: 'failed', errorCode: 'unknown_issuer', organizationId: 'globex', retryCount: 0 });
    expect(job.error).toMatch(/does not control the issuer DID/);
    expect(await world.sql('SELECT id FROM credentials WHERE id = $1', [job.id])).toEqual([]);
  });

  it("when another organization updates or deactivates an organization's did:web, then it is a 404 at the door and the DID is unchanged", async () => {
    const did = await didOf(acme, { method: 'web', path: ['issuers', `acme-${randomUUID().slice(0, 8)}`] });
    const before = await world.sql<{ key_id: string; status: string }>('SELECT key_id, status FROM dids WHERE did = $1', [did]);
    const jobsBefore = await world.sql('SELECT id FROM jobs');
    for (const action of ['update', 'deactivate']) {
      // Each action's own body: deactivate takes no rotateKey (an unknown member is a 400 before anything else).
      const res = await globex.post(`/api/dids/${encodeURIComponent(did)}/${action}`, action === 'update' ? { rotateKey: true } : {});
      expect(res.status, action).toBe(404);
      expect(res.body.detail).toBe(`vcq has no DID ${did}`);
    }
    expect(await world.sql('SELECT id FROM jobs')).toHaveLength(jobsBefore.length);
    expect(await world.sql('SELECT key_id, status FROM dids WHERE did = $1', [did])).toEqual(before);

    // The owner may; and a platform-wide key acts for the DID's own organization.
    expect((await acme.run(`/api/dids/${encodeURIComponent(did)}/update`, { rotateKey: true })).body.status).toBe('completed');
    const deactivated = await platform.run(`/api/dids/${encodeURIComponent(did)}/deactivate`, {});
    expect(deactivated.body).toMatchObject({ status: 'completed', organizationId: 'acme' });
  });

  it('when a key names another organization, then it is refused; a platform-wide key may act for one', async () => {
    const refused = await acme.post('/api/credentials/issue', {
      issuerDid: acmeDid,
      subjectDid: 'did:example:bob',
      credentialType: 'MembershipCredential',
      claims: {},
      organizationId: 'globex',
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: 'urn:vcq:problem:organization_mismatch', errors: [{ field: 'organizationId' }] });

    const forAcme = await issue(platform, acmeDid, { organizationId: 'acme' });
    expect(forAcme).toMatchObject({ status: 'completed', organizationId: 'acme' });
    // Without naming it, the platform key acts for its own (default) organization, which does not control acme's DID.
    expect(await issue(platform, acmeDid)).toMatchObject({ status: 'failed', errorCode: 'unknown_issuer' });
  });

  it("when organizations list and count verification jobs, then each sees only its own; a platform-wide key sees all", async () => {
    const content = await world.content();
    const submit = async (key: Record<string, string>) => {
      const res = await fetch(`${base}/api/verification-jobs/verify`, { method: 'POST', headers: key, body: uploadForm(content.bytes, { manifestURI: content.manifestUri, userId: 'uploader' }) });
      expect(res.status).toBe(202);
      return ((await res.json()) as Json).jobId as string;
    };
    const [acmeId, globexId] = [await submit(ACME), await submit(GLOBEX)];
    const ids = async (who: ReturnType<typeof as>) => ((await who.get('/api/verification-jobs?limit=100')).body.items as Json[]).map((j) => j.id);
    expect(await ids(acme)).toContain(acmeId);
    expect(await ids(acme)).not.toContain(globexId);
    expect(await ids(globex)).toEqual([globexId]);
    expect(await ids(platform)).toEqual(expect.arrayContaining([acmeId, globexId]));

    const total = (stats: Json) => stats.waiting + stats.active + stats.completed + stats.failed;
    expect(total((await globex.get('/api/verification-jobs/stats')).body)).toBe(1);
    expect(total((await platform.get('/api/verification-jobs/stats')).body)).toBeGreaterThanOrEqual(2);
    expect((await globex.get(`/api/verification-jobs/${acmeId}`)).status).toBe(404);
    expect((await globex.get(`/api/verification-jobs/${globexId}`)).body).toMatchObject({ organizationId: 'globex', userId: 'uploader' });
  });

  it("when a job of an organization carries a callbackUrl, then its webhook delivery belongs to that organization", async () => {
    const port = await freePort();
    const job = await issue(acme, acmeDid, { callbackUrl: `http://127.0.0.1:${port}/hook` });
    expect(job.status).toBe('completed');
    // The delivery row is committed by the finished-hook, just after the job's outcome.
    const deliveries = await waitFor(async () => {
      const rows = await world.sql<{ organization_id: string }>('SELECT organization_id FROM webhook_deliveries WHERE source_job_id = $1', [job.id]);
      return rows.length > 0 ? rows : undefined;
    });
    expect(deliveries).toEqual([{ organization_id: 'acme' }]);
  });

  it("when another organization sends a VC event for an organization's credential, then it is skipped and the credential is untouched", async () => {
    const mine = await issue(acme, acmeDid);
    const credential = (await acme.get(`/api/credentials/${mine.result.credentialId}`)).body;
    const event = { id: `evt-${randomUUID()}`, vc_public_id: credential.publicId, type: 'record_revoked' };

    const foreign = await globex.post('/users/vc/process-event', event);
    expect(foreign.status).toBe(200);
    expect(foreign.body.data).toMatchObject({ outcome: 'skipped', credentialId: null, recordId: `globex:${event.id}` });
    expect((await acme.get(`/api/credentials/${credential.id}`)).body.status).toBe('issued');

    // The same event id from the owner is its own record, not a duplicate of the other's.
    const own = await acme.post('/users/vc/process-event', event);
    expect(own.body.data).toMatchObject({ outcome: 'success', credentialId: credential.id, recordId: `acme:${event.id}` });
    expect((await acme.get(`/api/credentials/${credential.id}`)).body.status).toBe('revoked');
    const logged = await world.sql<{ record_id: string; organization_id: string }>(
      'SELECT record_id, organization_id FROM vc_event_processing_logs WHERE record_id LIKE $1 ORDER BY record_id',
      [`%${event.id}`],
    );
    expect(logged).toEqual([
      { record_id: `acme:${event.id}`, organization_id: 'acme' },
      { record_id: `globex:${event.id}`, organization_id: 'globex' },
    ]);
  });

  it("when the platform-wide key reads any organization's job or credential, then it sees it", async () => {
    expect((await platform.get(`/api/jobs/${acmeJob.id}`)).body).toMatchObject({ id: acmeJob.id, organizationId: 'acme' });
    expect((await platform.get(`/api/credentials/${acmeJob.result.credentialId}`)).body).toMatchObject({ organizationId: 'acme' });
  });
});
