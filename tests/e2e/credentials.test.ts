/**
 * Credentials, DIDs and webhooks through the HTTP API with a real worker, Postgres,
 * Redis and webhook receivers on loopback.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '@vcq/webhooks';
import { freePort, waitFor, auth, jsonClient, type Json, startWorld, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

const SECRET = 'test-webhook-secret-0123456789';
let world: World;
let api: ApiServer;
let worker: WorkerProcess;
let base: string;
let env: Record<string, string>;

beforeAll(async () => {
  world = await startWorld();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = {
    PORT: String(port),
    PUBLIC_BASE_URL: base,
    DID_WEB_ALLOW_HTTP_HOSTS: `127.0.0.1:${port}`,
    WEBHOOK_SIGNING_SECRET: SECRET,
    WEBHOOK_RETRY_SCHEDULE_MS: '30,30,30,30,30',
    WEBHOOK_TIMEOUT_MS: '2000',
    PREFER_WAIT_MAX_SECONDS: '20',
  };
  const config = world.config(env);
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
});

afterAll(async () => {
  await Promise.allSettled([api?.close(), worker?.close()]);
  await world?.close();
});


const call = jsonClient(() => base);

/** Submits and waits for the outcome in the same request (Prefer: wait). */
const waitFor200 = (path: string, body: unknown) => call('POST', path, body, { prefer: 'wait=15' });

const createDid = async (input: Json) => {
  const res = await waitFor200('/api/dids', input);
  expect([200, 201]).toContain(res.status);
  expect(res.body.status === undefined || res.body.status === 'completed').toBe(true);
  return res.body.result as { did: string; document: Json };
};

/** A webhook receiver on loopback that checks every signature. */
async function receiver(answer: (n: number) => number) {
  const events: Array<{ body: Json; signatureOk: boolean; status: number }> = [];
  let n = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      n += 1;
      const status = answer(n);
      events.push({
        body: JSON.parse(raw),
        signatureOk: verifyWebhookSignature(req.headers['x-vcq-signature'] as string, raw, SECRET, {
          deliveryId: req.headers['x-vcq-delivery'],
        }),
        status,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, events, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('DIDs', () => {
  it('when a did:key is created, then it resolves from the DID alone', async () => {
    const { did } = await createDid({ method: 'key' });
    expect(did).toMatch(/^did:key:z6Mk/);
    const resolved = await call('GET', `/api/dids/${encodeURIComponent(did)}`);
    expect(resolved.status).toBe(200);
    expect(resolved.body.didDocument.id).toBe(did);
  });

  it('when a did:key is imported from a seed, then no key goes through a job and the DID is deterministic', async () => {
    const seedHex = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
    const res = await call('POST', '/api/dids', { method: 'key', seedHex });
    expect(res.status).toBe(201);
    expect(res.body.result.did).toMatch(/^did:key:z6Mk/);
    expect(JSON.stringify(res.body)).not.toContain(seedHex);
    const leaked = await world.sql(`SELECT id FROM jobs WHERE data::text ILIKE '%' || $1 || '%'`, [seedHex]);
    expect(leaked).toEqual([]);
    const stored = await world.sql<{ encrypted_key: string }>('SELECT encrypted_key FROM dids WHERE did = $1', [res.body.result.did]);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.encrypted_key).not.toContain(seedHex);
    expect(stored[0]?.encrypted_key).not.toContain(Buffer.from(seedHex, 'hex').toString('base64url'));
  });

  it('when a did:web is created, then vcq hosts its document and it can be updated and deactivated', async () => {
    const { did } = await createDid({ method: 'web', path: ['issuers', 'acme'] });
    expect(did).toBe(`did:web:127.0.0.1%3A${new URL(base).port}:issuers:acme`);
    const hosted = await fetch(`${base}/issuers/acme/did.json`);
    expect(hosted.status).toBe(200);
    expect(((await hosted.json()) as Json).id).toBe(did);

    const updated = await waitFor200(`/api/dids/${encodeURIComponent(did)}/update`, {
      rotateKey: true,
      addServices: [{ id: `${did}#hub`, type: 'LinkedDomains', serviceEndpoint: 'https://example.org' }],
    });
    expect(updated.status).toBe(200);
    expect(updated.body.status).toBe('completed');
    const resolved = await call('GET', `/api/dids/${encodeURIComponent(did)}`);
    expect(JSON.stringify(resolved.body.didDocument.service)).toContain('https://example.org');

    const deactivated = await waitFor200(`/api/dids/${encodeURIComponent(did)}/deactivate`, {});
    expect(deactivated.body.status).toBe('completed');
    const after = await call('GET', `/api/dids/${encodeURIComponent(did)}`);
    expect(after.body.didDocumentMetadata.deactivated).toBe(true);
    // Its document is no longer served: 410 Gone, as a problem.
    const gone = await fetch(`${base}/issuers/acme/did.json`);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await gone.json()) as Json).type).toBe('urn:vcq:problem:did_deactivated');
  });

  it('when a did.json path holds percent-escapes, even malformed ones, then it is a 404 problem, never a 500', async () => {
    // `/%25/did.json` once reached a second decodeURIComponent("%") and answered 500.
    for (const path of ['/%25/did.json', '/%E0%A4%A/did.json', '/a%2Fb/did.json', '/%/did.json']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('when a did:key update is asked for, then the job fails at once without retries', async () => {
    const { did } = await createDid({ method: 'key' });
    const res = await waitFor200(`/api/dids/${encodeURIComponent(did)}/update`, { rotateKey: true });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('failed');
    expect(res.body.retryCount).toBe(0);
    expect(res.body.error).toMatch(/did:key/);
  });

  it('when a did:web names a private, loopback or metadata address, then resolving it is refused with a 4xx', async () => {
    for (const did of ['did:web:169.254.169.254', 'did:web:10.1.2.3:tenant', 'did:web:localhost%3A9']) {
      const res = await call('GET', `/api/dids/${encodeURIComponent(did)}`);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(res.body.detail).toMatch(/is not a public address \(|resolves to a private or reserved address/);
      // What an internal name resolves to is never said.
      expect(res.body.detail).not.toMatch(/127\.0\.0\.1|::1/);
    }
  });

  it('when the DID input is malformed, then 400 names the field', async () => {
    const res = await call('POST', '/api/dids', { method: 'carrier-pigeon' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(res.body.errors.map((e: Json) => e.field)).toContain('method');
  });

  it('when the did:key of the identity point (a small-order key) is resolved, then 400 problem+json names did', async () => {
    // did:key of 0x01 followed by 31 zero bytes: a key every "signature" R = identity, S = 0 matches.
    const res = await call('GET', `/api/dids/${encodeURIComponent('did:key:z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj')}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(res.body.type).toBe('urn:vcq:problem:invalidPublicKey');
    expect(res.body.errors).toEqual([{ field: 'did', message: expect.stringMatching(/small-order point/) }]);
  });
});

describe('credentials', () => {
  let issuer: string;
  let subject: string;

  beforeAll(async () => {
    issuer = (await createDid({ method: 'key' })).did;
    subject = (await createDid({ method: 'key' })).did;
  });

  const issue = async (extra: Json = {}) => {
    const res = await call('POST', '/api/credentials/issue', { issuerDid: issuer, subjectDid: subject, credentialType: 'AgriQualityCertificate', claims: { grade: 'A' }, ...extra });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ mode: 'async', status: 'queued', pollUrl: `/api/jobs/${res.body.jobId}` });
    const done = await waitFor(
      async () => {
        const job = await call('GET', res.body.pollUrl);
        return job.body.status === 'completed' || job.body.status === 'failed' ? job.body : undefined;
      },
      { what: 'issuance' },
    );
    expect(done.status).toBe('completed');
    return done.result as { vcJwt: string; credentialId: string; issuedAt: string };
  };

  it('when a credential is issued and verified, then it is valid, stored and carries a status entry', async () => {
    const issued = await issue();
    expect(issued.vcJwt.split('.')).toHaveLength(3);
    const verified = await waitFor200('/api/credentials/verify', { vcJwt: issued.vcJwt });
    expect(verified.status).toBe(200);
    expect(verified.body.result).toMatchObject({ valid: true, issuer, subject, error: null });
    const stored = await call('GET', `/api/credentials/${issued.credentialId}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ issuer, subject, status: 'issued' });
    const payload = JSON.parse(Buffer.from(issued.vcJwt.split('.')[1] as string, 'base64url').toString());
    const listUrl: string = payload.vc.credentialStatus.statusListCredential;
    expect(listUrl.startsWith(`${base}/status-lists/`)).toBe(true);
    const list = await fetch(listUrl);
    expect(list.status).toBe(200);
    expect((await list.text()).split('.')).toHaveLength(3);
  });

  it('when a credential is revoked, then verification reports revoked', async () => {
    const issued = await issue();
    const revoked = await call('POST', `/api/credentials/${issued.credentialId}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    const verified = await waitFor200('/api/credentials/verify', { vcJwt: issued.vcJwt });
    expect(verified.body.result).toMatchObject({ valid: false, error: 'revoked' });
  });

  it('when a status list is fetched, then it is served with caching headers, answers 304 to its ETag, and changes only with a revocation', async () => {
    const issued = await issue();
    const listUrl: string = JSON.parse(Buffer.from(issued.vcJwt.split('.')[1] as string, 'base64url').toString()).vc.credentialStatus.statusListCredential;
    const first = await fetch(listUrl);
    expect(first.status).toBe(200);
    // A VCDM 1.1 VC-JWT: application/jwt, not VC-JOSE-COSE's application/vc+jwt.
    expect(first.headers.get('content-type')).toMatch(/^application\/jwt/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=300');
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(Date.parse(first.headers.get('expires') as string)).toBeGreaterThan(Date.now());
    const body = await first.text();

    const again = await fetch(listUrl);
    expect(await again.text()).toBe(body);
    const notModified = await fetch(listUrl, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    const since = await fetch(listUrl, { headers: { 'if-modified-since': first.headers.get('last-modified') as string } });
    expect(since.status).toBe(304);

    await call('POST', `/api/credentials/${issued.credentialId}/revoke`);
    const changed = await fetch(listUrl, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(await changed.text()).not.toBe(body);
  });

  it('when the issuer DID is not controlled by vcq, then the job fails with unknown_issuer and no retries', async () => {
    const res = await waitFor200('/api/credentials/issue', { issuerDid: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', subjectDid: subject, credentialType: 'X', claims: {} });
    expect(res.body.status).toBe('failed');
    expect(res.body.errorCode).toBe('unknown_issuer');
    expect(res.body.retryCount).toBe(0);
  });

  it('when the issue body is malformed, then 400 names every bad field and no job is created', async () => {
    const res = await call('POST', '/api/credentials/issue', { issuerDid: 42, claims: 'nope' });
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e: Json) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['issuerDid', 'subjectDid', 'credentialType', 'claims']));
    const notJson = await fetch(`${base}/api/credentials/issue`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"issuerDid":' });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('when the subject or issuer is a did:key naming no usable key, then 400 with the method\'s error name and no job is created', async () => {
    // did:key of 0x01 then 31 zero bytes: the identity point, which vcq never accepts as a key.
    const identity = 'did:key:z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj';
    const secp256k1 = 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme';
    const jobsBefore = (await world.sql('SELECT id FROM jobs')).length;

    const bySubject = await call('POST', '/api/credentials/issue', { issuerDid: issuer, subjectDid: identity, credentialType: 'T', claims: {} });
    expect(bySubject.status).toBe(400);
    expect(bySubject.body).toMatchObject({ type: 'urn:vcq:problem:invalidPublicKey', errors: [{ field: 'subjectDid', message: expect.stringMatching(/small-order point/) }] });

    const byIssuer = await call('POST', '/api/credentials/issue', { issuerDid: secp256k1, subjectDid: subject, credentialType: 'T', claims: {} });
    expect(byIssuer.body).toMatchObject({ status: 400, type: 'urn:vcq:problem:unsupportedPublicKeyType', errors: [{ field: 'issuerDid' }] });

    const vcApi = await call('POST', '/credentials/issue', {
      credential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential', 'T'], issuer, credentialSubject: { id: identity } },
    });
    expect(vcApi.body).toMatchObject({ status: 400, type: 'urn:vcq:problem:invalidPublicKey', errors: [{ field: 'credential.credentialSubject.id' }] });
    expect(await world.sql('SELECT id FROM jobs')).toHaveLength(jobsBefore);
  });

  it('when a credential id is unknown, then 404 problem+json', async () => {
    expect((await call('GET', '/api/credentials/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call('POST', '/api/credentials/00000000-0000-4000-8000-000000000000/revoke')).status).toBe(404);
  });

  describe('webhooks', () => {
    it('when the receiver answers 500 twice then 200, then it gets the signed event once in the end', async () => {
      const hook = await receiver((n) => (n <= 2 ? 500 : 200));
      const issued = await issue({ callbackUrl: hook.url });
      await waitFor(() => hook.events.some((e) => e.status === 200), { what: 'webhook delivered' });
      expect(hook.events.map((e) => e.status)).toEqual([500, 500, 200]);
      expect(hook.events.every((e) => e.signatureOk)).toBe(true);
      const delivered = hook.events[2]?.body as Json;
      expect(delivered).toMatchObject({ event: 'vc.issued', data: { credentialId: issued.credentialId } });
      expect(typeof delivered.jobId).toBe('string');
      expect(typeof delivered.createdAt).toBe('string');
      await hook.close();
    });

    it('when the receiver answers 400, then delivery stops after one attempt', async () => {
      const hook = await receiver(() => 400);
      await issue({ callbackUrl: hook.url });
      const [row] = await waitFor(
        async () => {
          const rows = await world.sql<{ status: string; attempt_count: number; last_status_code: number }>(
            'SELECT status, attempt_count, last_status_code FROM webhook_deliveries WHERE url = $1',
            [hook.url],
          );
          return rows[0]?.status === 'failed' ? rows : undefined;
        },
        { what: 'the delivery to be marked failed' },
      );
      expect(row).toMatchObject({ attempt_count: 1, last_status_code: 400 });
      expect(hook.events).toHaveLength(1);
      await hook.close();
    });

    it('when a callback URL points at a private address and that is not allowed, then 400', async () => {
      // Only the gateway's host:port may be private: a callback to another port of 127.0.0.1 may not.
      const strict = await startApi(world.config({ ...env, PORT: '0', EGRESS_ALLOW_PRIVATE_HOSTS: new URL(world.gateway.url).host }));
      const res = await fetch(`${strict.url}/api/credentials/issue`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ issuerDid: issuer, subjectDid: subject, credentialType: 'X', claims: {}, callbackUrl: 'http://127.0.0.1:9/hook' }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).errors.map((e: Json) => e.field)).toContain('callbackUrl');
      await strict.close();
    });
  });

  it('when another vcq uses this one as its VC API issuer backend, then its credentials verify here', async () => {
    const remote = await startApi(world.config({ ...env, PORT: '0', ISSUER_BACKEND: 'vc-api', VC_API_URL: base, VC_API_TOKEN: 'test-key', QUEUE_PREFIX: `${world.prefix}r`, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }));
    const res = await fetch(`${remote.url}/api/credentials/issue`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ issuerDid: issuer, subjectDid: subject, credentialType: 'RemoteCert', claims: { ok: true } }),
    });
    // Redis is unreachable for the second instance, so it issues synchronously through the backend.
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.mode).toBe('sync');
    const verified = await waitFor200('/api/credentials/verify', { vcJwt: body.result.vcJwt });
    expect(verified.body.result).toMatchObject({ valid: true, issuer, subject });
    await remote.close();
  });
});
