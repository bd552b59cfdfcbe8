/**
 * Data Integrity credentials through the HTTP API with a real worker, Postgres and
 * Redis: issued as a job, kept through the job's stored result, verified, published
 * status lists, and the 400s for what vcq cannot process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, jsonClient, type Json, startWorld, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

let world: World;
let api: ApiServer;
let worker: WorkerProcess;
let base: string;
let issuer: string;

const call = jsonClient(() => base);
const waitFor200 = (path: string, body: unknown) => call('POST', path, body, { prefer: 'wait=15' });

beforeAll(async () => {
  world = await startWorld();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const config = world.config({ PORT: String(port), PUBLIC_BASE_URL: base, DID_WEB_ALLOW_HTTP_HOSTS: `127.0.0.1:${port}`, PREFER_WAIT_MAX_SECONDS: '20' });
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
  const created = await waitFor200('/api/dids', { method: 'key' });
  issuer = created.body.result.did;
});

afterAll(async () => {
  await Promise.allSettled([api?.close(), worker?.close()]);
  await world?.close();
});

const request = (format: string, extra: Json = {}) => ({
  issuerDid: issuer,
  subjectDid: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG',
  credentialType: 'AgriQualityCertificate',
  claims: { grade: 'A', lot: { id: 'urn:lot:7', weightKg: 20 } },
  format,
  ...extra,
});

describe.each(['di-eddsa-rdfc-2022', 'di-eddsa-jcs-2022'])('%s over HTTP', (format) => {
  it('when a job issues it, then its result is the secured credential, which verifies, and the credential view shows it', async () => {
    const issued = await waitFor200('/api/credentials/issue', request(format));
    expect(issued.status).toBe(200);
    expect(issued.body.status).toBe('completed');
    const result = issued.body.result as { format: string; verifiableCredential: Json; credentialId: string };
    expect(result.format).toBe(format);
    expect(result.verifiableCredential.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: format.slice(3), proofPurpose: 'assertionMethod' });

    // The result went through the job row (jsonb reorders keys): the proof still holds.
    const verified = await waitFor200('/api/credentials/verify', { verifiableCredential: result.verifiableCredential });
    expect(verified.status).toBe(200);
    expect(verified.body.result).toEqual({ valid: true, claims: request(format).claims, issuer, subject: request(format).subjectDid, error: null });

    const view = await call('GET', `/api/credentials/${result.credentialId}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ format, verifiableCredential: result.verifiableCredential });

    const vcApi = await call('POST', '/credentials/verify', { verifiableCredential: result.verifiableCredential });
    expect(vcApi.status).toBe(200);
    expect(vcApi.body).toEqual({ verified: true, problemDetails: [] });
  });

  it('when its status list is fetched, then it is served as application/vc, secured with the same cryptosuite', async () => {
    const issued = await waitFor200('/api/credentials/issue', request(format));
    const listUrl = (issued.body.result.verifiableCredential.credentialStatus as Json).statusListCredential as string;
    const response = await fetch(listUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/vc\b/);
    const list = (await response.json()) as Json;
    expect(list.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);
    expect(list.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: format.slice(3) });
  });
});

describe('what vcq cannot process', () => {
  it('when a credential to verify names a context vcq has no copy of, then it is a 400 problem naming it, before any job', async () => {
    const issued = await waitFor200('/api/credentials/issue', request('di-eddsa-jcs-2022'));
    const credential = { ...issued.body.result.verifiableCredential, '@context': ['https://www.w3.org/ns/credentials/v2', 'https://example.org/ctx/v1'] };
    const res = await call('POST', '/api/credentials/verify', { verifiableCredential: credential });
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([{ field: 'verifiableCredential.@context[1]', message: expect.stringContaining('https://example.org/ctx/v1') }]);
    expect(res.body.jobId).toBeUndefined();
  });

  it('when format is not one vcq issues, or verification has neither vcJwt nor verifiableCredential, then it is a 400 naming the field', async () => {
    const badFormat = await call('POST', '/api/credentials/issue', request('ldp_vc'));
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.errors).toEqual([expect.objectContaining({ field: 'format' })]);
    const neither = await call('POST', '/api/credentials/verify', {});
    expect(neither.status).toBe(400);
    expect(neither.body.errors).toEqual([expect.objectContaining({ field: 'vcJwt' })]);
  });
});
