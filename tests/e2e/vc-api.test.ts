/**
 * vcq's W3C VC API (`POST /credentials/issue`, `POST /credentials/verify`) over HTTP,
 * with a real worker, Postgres and Redis: what is asked for is what is issued, a
 * credential id or an Idempotency-Key names one credential, bad requests are 400
 * problems naming the field, and verification answers in the VC API's shape.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, freePort, jsonClient, type Json, startWorld, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

const V1 = 'https://www.w3.org/2018/credentials/v1';
const V2 = 'https://www.w3.org/ns/credentials/v2';
const EXAMPLES = 'https://www.w3.org/ns/credentials/examples/v2';
let world: World;
let api: ApiServer;
let worker: WorkerProcess;
let base: string;
let issuer: string;
let subject: string;

beforeAll(async () => {
  world = await startWorld();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const config = world.config({ PORT: String(port), PUBLIC_BASE_URL: base, PREFER_WAIT_MAX_SECONDS: '20' });
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
  const did = async () => {
    const res = await call('POST', '/api/dids', { method: 'key' }, { prefer: 'wait=15' });
    expect(res.body.status).toBe('completed');
    return res.body.result.did as string;
  };
  [issuer, subject] = [await did(), await did()];
});

afterAll(async () => {
  await Promise.allSettled([api?.close(), worker?.close()]);
  await world?.close();
});

const call = jsonClient(() => base);

/** A raw JSON body, sent as written (JSON.stringify would not keep what the test is about). */
const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as Json, text };
};

const alumni = (overrides: Json = {}): Json => ({
  '@context': [V2, EXAMPLES],
  id: `urn:uuid:${randomUUID()}`,
  type: ['VerifiableCredential', 'AlumniCredential'],
  name: 'Alumni Credential',
  description: 'A minimum viable example of an Alumni Credential.',
  issuer: { id: issuer, name: 'Example University' },
  validFrom: '2024-01-01T00:00:00Z',
  credentialSubject: { id: subject, alumniOf: { name: 'The School of Examples', campus: ['north', 'south'] } },
  ...overrides,
});

/** The credential JWT inside an issue answer, with its decoded header and payload. */
function issued(body: Json) {
  const vc = body.verifiableCredential;
  expect(vc).toMatchObject({ '@context': [V2], type: 'EnvelopedVerifiableCredential' });
  const [, mediaType, jwt] = /^data:(application\/[^,]+),(.+)$/.exec(vc.id) as unknown as [string, string, string];
  const [header, payload] = jwt.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString())) as [Json, Json];
  return { mediaType, jwt, header, payload };
}

const jobCount = async () => (await world.sql('SELECT id FROM jobs')).length;

describe('POST /credentials/issue', () => {
  it('when a VCDM 2.0 credential is asked for, then 201 holds it as vc+jwt with every member, context and the issuer object kept', async () => {
    const credential = alumni({ credentialSubject: [{ id: subject, alumniOf: 'A' }, { id: 'did:example:other', alumniOf: 'B' }] });
    const res = await call('POST', '/credentials/issue', { credential, options: {} });

    expect(res.status).toBe(201);
    const { mediaType, header, payload, jwt } = issued(res.body);
    expect(mediaType).toBe('application/vc+jwt');
    expect(header).toMatchObject({ typ: 'vc+jwt', cty: 'vc' });
    const { credentialStatus, ...asked } = payload;
    expect(asked).toEqual(credential);
    expect(credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusListCredential: expect.stringContaining(`${base}/status-lists/`) });

    const verified = await call('POST', '/credentials/verify', { verifiableCredential: res.body.verifiableCredential });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ verified: true, problemDetails: [] });
    const stored = await call('GET', `/api/credentials/${encodeURIComponent(credential.id)}`);
    expect(stored.body).toMatchObject({ publicId: credential.id, issuer, subject, type: 'AlumniCredential', vcJwt: jwt });
  });

  it('when a VCDM 1.1 credential typed only VerifiableCredential is asked for, then it is issued as a 1.1 VC-JWT', async () => {
    const res = await call('POST', '/credentials/issue', {
      credential: { '@context': [V1], type: ['VerifiableCredential'], issuer, issuanceDate: '2024-01-01T00:00:00Z', credentialSubject: { id: subject } },
    });

    expect(res.status).toBe(201);
    const { mediaType, header, payload } = issued(res.body);
    expect(mediaType).toBe('application/jwt');
    expect(header.typ).toBe('JWT');
    expect(payload).toMatchObject({ iss: issuer, sub: subject, nbf: Date.parse('2024-01-01T00:00:00Z') / 1000 });
    expect(payload.vc).toMatchObject({ '@context': [V1, 'https://www.w3.org/ns/credentials/status/v1'], type: ['VerifiableCredential'], issuanceDate: '2024-01-01T00:00:00Z' });
    expect((await call('POST', '/credentials/verify', { verifiableCredential: res.body.verifiableCredential })).body.verified).toBe(true);
  });

  it('when the same credential id is asked for again, then the same credential answers; another body under it is a 409', async () => {
    const credential = alumni();
    const first = await call('POST', '/credentials/issue', { credential });
    const again = await call('POST', '/credentials/issue', { credential });

    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await world.sql('SELECT id FROM credentials WHERE public_id = $1', [credential.id])).toHaveLength(1);

    const other = await call('POST', '/credentials/issue', { credential: { ...credential, name: 'Another name' } });
    expect(other.status).toBe(409);
    expect(other.type).toMatch(/problem\+json/);
    expect(other.body.errors).toEqual([expect.objectContaining({ field: 'credential.id' })]);
  });

  it('when an issuance under a credential id fails (unknown issuer), then the corrected request under that id is issued', async () => {
    const credential = alumni({ issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' });
    const refused = await call('POST', '/credentials/issue', { credential });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'credential.issuer' })]);

    const corrected = await call('POST', '/credentials/issue', { credential: { ...credential, issuer } });
    expect(corrected.status).toBe(201);
    expect(issued(corrected.body).payload).toMatchObject({ id: credential.id, issuer });
  });

  it('when an Idempotency-Key is sent again, then the first credential answers; with another body, a 409', async () => {
    const key = randomUUID();
    const credential = alumni({ id: undefined });
    const first = await call('POST', '/credentials/issue', { credential }, { 'idempotency-key': key });
    const again = await call('POST', '/credentials/issue', { credential }, { 'idempotency-key': key });

    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // Without the key (and no id), a second request is a second credential.
    const fresh = await call('POST', '/credentials/issue', { credential });
    expect(issued(fresh.body).payload.id).not.toBe(issued(first.body).payload.id);

    const other = await call('POST', '/credentials/issue', { credential: { ...credential, name: 'Other' } }, { 'idempotency-key': key });
    expect(other.status).toBe(409);
    expect(other.body.type).toBe('urn:vcq:problem:idempotency_conflict');
  });

  it.each([
    ['no @context', { '@context': undefined }, 'credential.@context'],
    ['a @context that is not an array', { '@context': V2 }, 'credential.@context'],
    ['a @context of the wrong base', { '@context': [EXAMPLES, V2] }, 'credential.@context'],
    ['a @context item that is a number', { '@context': [V2, 4] }, 'credential.@context[1]'],
    ['no type', { type: undefined }, 'credential.type'],
    ['an issuer that is a number', { issuer: 4 }, 'credential.issuer'],
    ['a credentialSubject that is a string', { credentialSubject: 'did:example:1234' }, 'credential.credentialSubject'],
    ['a validUntil in the past', { validUntil: '2020-01-01T00:00:00Z' }, 'credential.validUntil'],
    ['an issuanceDate in a 2.0 credential', { issuanceDate: '2024-01-01T00:00:00Z' }, 'credential.issuanceDate'],
    ['a proof', { proof: { type: 'DataIntegrityProof' } }, 'credential.proof'],
  ])('when the credential has %s, then 400 problem+json names %s and no job is made', async (_, change, field) => {
    const before = await jobCount();
    const res = await call('POST', '/credentials/issue', { credential: alumni(change) });

    expect(res.status).toBe(400);
    expect(res.type).toMatch(/problem\+json/);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(await jobCount()).toBe(before);
  });

  it('when the body has no credential, then 400 names credential (and the member it had instead)', async () => {
    const res = await call('POST', '/credentials/issue', { verifiableCredential: alumni() });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: 'verifiableCredential', message: 'is not a field of this request' },
      expect.objectContaining({ field: 'credential' }),
    ]);
  });

  it('when the issuer is a DID the caller does not control, then 400 names credential.issuer', async () => {
    const res = await call('POST', '/credentials/issue', { credential: alumni({ issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' }) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'urn:vcq:problem:unknown_issuer', errors: [{ field: 'credential.issuer' }] });
  });

  it('when claims hold __proto__ and constructor members (raw JSON), then they are issued exactly as sent', async () => {
    const subjectJson = `{"id":"${subject}","__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},"grade":"A"}`;
    const res = await post('/credentials/issue', `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"issuer":"${issuer}","credentialSubject":${subjectJson}}}`);

    expect(res.status).toBe(201);
    const { jwt } = issued(res.body);
    const payloadText = Buffer.from(jwt.split('.')[1] as string, 'base64url').toString();
    expect(payloadText).toContain(`"credentialSubject":${subjectJson}`);
    const verified = await call('POST', '/credentials/verify', { verifiableCredential: res.body.verifiableCredential });
    expect(verified.body.verified).toBe(true);
  });
});

describe('VC API issuance in a Data Integrity format', () => {
  const UNDEFINED_TERMS = 'https://www.w3.org/ns/credentials/undefined-terms/v2';

  it.each(['di-eddsa-rdfc-2022', 'di-eddsa-jcs-2022'])('when options.format is %s, then 201 holds the credential whole with its proof, which the verify route verifies', async (format) => {
    const credential = alumni({ '@context': [V2, UNDEFINED_TERMS] });
    const res = await call('POST', '/credentials/issue', { credential, options: { format } });

    expect(res.status).toBe(201);
    const { proof, credentialStatus, ...asked } = res.body.verifiableCredential;
    expect(asked).toEqual(credential);
    expect(proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: format.slice('di-'.length), proofPurpose: 'assertionMethod' });
    expect(credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusListCredential: expect.stringContaining(`${base}/status-lists/`) });

    const verified = await call('POST', '/credentials/verify', { verifiableCredential: res.body.verifiableCredential });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ verified: true, problemDetails: [] });
    const tampered = await call('POST', '/credentials/verify', { verifiableCredential: { ...res.body.verifiableCredential, name: 'Forged' } });
    expect(tampered.status).toBe(400);
    expect(tampered.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(tampered.body).toMatchObject({ status: 400, verified: false, problemDetails: [expect.objectContaining({ type: 'https://www.w3.org/TR/vc-data-model#CRYPTOGRAPHIC_SECURITY_ERROR' })] });

    // The credential id names it: asked again, the same credential; revoked, the verify route says so.
    const again = await call('POST', '/credentials/issue', { credential, options: { format } });
    expect(again.body).toEqual(res.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const stored = await call('GET', `/api/credentials/${encodeURIComponent(credential.id)}`);
    expect(stored.body).toMatchObject({ format, verifiableCredential: res.body.verifiableCredential });
    expect((await call('POST', `/api/credentials/${stored.body.id}/revoke`)).status).toBe(200);
    const revoked = await call('POST', '/credentials/verify', { verifiableCredential: res.body.verifiableCredential });
    expect(revoked.status).toBe(400);
    expect(revoked.body).toMatchObject({ status: 400, verified: false, problemDetails: [expect.objectContaining({ title: 'REVOKED' })] });
  });

  it('when a VCDM 1.1 credential (as the W3C issuer suite sends) asks for di-eddsa-rdfc-2022, then it is a 1.1 credential with its proof, verified', async () => {
    const credential = { '@context': [V1], id: `urn:uuid:${randomUUID()}`, type: ['VerifiableCredential'], issuer, issuanceDate: '2024-01-01T00:00:00Z', credentialSubject: { id: subject } };
    const res = await call('POST', '/credentials/issue', { credential, options: { format: 'di-eddsa-rdfc-2022' } });

    expect(res.status).toBe(201);
    expect(res.body.verifiableCredential).toMatchObject({ ...credential, '@context': [V1, 'https://www.w3.org/ns/credentials/status/v1', 'https://w3id.org/security/data-integrity/v2'], proof: { cryptosuite: 'eddsa-rdfc-2022' } });
    expect((await call('POST', '/credentials/verify', { verifiableCredential: res.body.verifiableCredential })).body).toEqual({ verified: true, problemDetails: [] });
  });

  it('when the same credential id is asked for in another format, then it is a 409 naming credential.id', async () => {
    const credential = alumni({ '@context': [V2, UNDEFINED_TERMS] });
    expect((await call('POST', '/credentials/issue', { credential, options: { format: 'di-eddsa-jcs-2022' } })).status).toBe(201);
    const other = await call('POST', '/credentials/issue', { credential, options: { format: 'di-eddsa-rdfc-2022' } });
    expect(other.status).toBe(409);
    expect(other.body.errors).toEqual([expect.objectContaining({ field: 'credential.id' })]);
  });

  it('when the credential names a context vcq has no copy of, then 400 names it and no job is made', async () => {
    const before = await jobCount();
    const res = await call('POST', '/credentials/issue', { credential: alumni(), options: { format: 'di-eddsa-rdfc-2022' } });

    expect(res.status).toBe(400);
    expect(res.type).toMatch(/problem\+json/);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'credential.@context[1]', message: expect.stringContaining(EXAMPLES) })]);
    expect(await jobCount()).toBe(before);
  });

  it('when an eddsa-rdfc-2022 credential has a term no context defines, then 400 names credential before any job, and the id stays free', async () => {
    const credential = alumni({ '@context': [V2] });
    const before = await jobCount();
    const res = await call('POST', '/credentials/issue', { credential, options: { format: 'di-eddsa-rdfc-2022' } });

    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'credential', message: expect.stringContaining('alumniOf') })]);
    expect(await jobCount()).toBe(before);
    const fixed = await call('POST', '/credentials/issue', { credential: { ...credential, '@context': [V2, UNDEFINED_TERMS] }, options: { format: 'di-eddsa-rdfc-2022' } });
    expect(fixed.status).toBe(201);
  });

  it('when a credential to verify has a proof of a kind vcq does not verify, then 200 verified false with a PARSING_ERROR', async () => {
    const credential = { '@context': [V2], type: ['VerifiableCredential'], issuer, credentialSubject: { id: subject }, proof: { type: 'Ed25519Signature2020', proofValue: 'z1' } };
    const res = await call('POST', '/credentials/verify', { verifiableCredential: credential });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, verified: false, problemDetails: [expect.objectContaining({ type: 'https://www.w3.org/TR/vc-data-model#PARSING_ERROR', detail: expect.stringContaining('Data Integrity') })] });
  });
});

describe('POST /api/credentials/issue', () => {
  it('when its body carries a credential document, then it is refused naming it: only the VC API, which checks it, issues one', async () => {
    const res = await call(
      'POST',
      '/api/credentials/issue',
      { issuerDid: issuer, subjectDid: subject, credentialType: 'PlainCredential', claims: { ok: true }, credential: alumni({ credentialStatus: { id: 'https://evil.example/list#1' } }) },
      { prefer: 'wait=15' },
    );

    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'credential', message: 'is not a field of this request' }]);
    expect(res.body.jobId).toBeUndefined();
  });
});

describe('without a queue (the request runs the job)', () => {
  it('when Redis is unreachable, then issuance still answers 201 with the credential, and an unknown issuer is a 400', async () => {
    const direct = await startApi(world.config({ PORT: '0', PUBLIC_BASE_URL: base, QUEUE_PREFIX: `${world.prefix}s`, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }));
    try {
      const send = (credential: Json) =>
        fetch(`${direct.url}/credentials/issue`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ credential }) });
      const credential = alumni();
      const ok = await send(credential);
      expect(ok.status).toBe(201);
      expect(issued((await ok.json()) as Json).payload).toMatchObject({ id: credential.id, name: credential.name });

      const refused = await send(alumni({ issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' }));
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as Json).errors).toEqual([expect.objectContaining({ field: 'credential.issuer' })]);
    } finally {
      await direct.close();
    }
  });
});

describe('POST /credentials/verify', () => {
  it('when a credential is revoked, then it answers 200 verified false with a problem detail', async () => {
    const res = await call('POST', '/credentials/issue', { credential: alumni() });
    const { jwt } = issued(res.body);
    const stored = await call('GET', `/api/credentials/${encodeURIComponent(issued(res.body).payload.id)}`);
    expect((await call('POST', `/api/credentials/${stored.body.id}/revoke`)).status).toBe(200);

    const verified = await call('POST', '/credentials/verify', { verifiableCredential: jwt });
    expect(verified.status).toBe(400);
    expect(verified.body).toMatchObject({ status: 400, verified: false, problemDetails: [expect.objectContaining({ type: expect.any(String), title: 'REVOKED', detail: expect.stringMatching(/revoked/) })] });
  });

  it('when the signature is broken, then the problem detail is a VCDM CRYPTOGRAPHIC_SECURITY_ERROR', async () => {
    const { jwt } = issued((await call('POST', '/credentials/issue', { credential: alumni() })).body);
    const [h, p, sig] = jwt.split('.') as [string, string, string];
    const broken = `${h}.${p}.${sig.startsWith('A') ? `B${sig.slice(1)}` : `A${sig.slice(1)}`}`;

    const verified = await call('POST', '/credentials/verify', { verifiableCredential: broken });
    expect(verified.status).toBe(400);
    expect(verified.body).toMatchObject({ status: 400, verified: false, problemDetails: [expect.objectContaining({ type: 'https://www.w3.org/TR/vc-data-model#CRYPTOGRAPHIC_SECURITY_ERROR', code: -65 })] });
  });

  it.each([
    ['an envelope without @context', (vc: Json) => ({ ...vc, '@context': undefined }), 'verifiableCredential.@context'],
    ['an envelope whose id is not a data URL', (vc: Json) => ({ ...vc, id: 'urn:uuid:1' }), 'verifiableCredential.id'],
    ['an envelope with a credentialSubject beside it', (vc: Json) => ({ ...vc, credentialSubject: { id: 'did:example:mallory', admin: true } }), 'verifiableCredential.credentialSubject'],
    ['a credential without proof', () => ({ '@context': [V2], type: ['VerifiableCredential'], issuer: 'did:example:1', credentialSubject: { id: 'did:example:2' } }), 'verifiableCredential.proof'],
    ['a credential whose type is not a string or array', () => ({ '@context': [V2], type: 4, issuer: 'did:example:1', credentialSubject: { id: 'did:example:2' }, proof: {} }), 'verifiableCredential.type'],
  ])('when the request holds %s, then 400 problem+json names %s', async (_, make, field) => {
    const envelope = (await call('POST', '/credentials/issue', { credential: alumni() })).body.verifiableCredential;
    const res = await call('POST', '/credentials/verify', { verifiableCredential: make(envelope) });

    expect(res.status).toBe(400);
    expect(res.type).toMatch(/problem\+json/);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('when an Idempotency-Key is sent again, then the first verification answers', async () => {
    const { jwt } = issued((await call('POST', '/credentials/issue', { credential: alumni() })).body);
    const key = randomUUID();
    const first = await call('POST', '/credentials/verify', { verifiableCredential: jwt }, { 'idempotency-key': key });
    const again = await call('POST', '/credentials/verify', { verifiableCredential: jwt }, { 'idempotency-key': key });

    expect(first.body).toEqual({ verified: true, problemDetails: [] });
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await call('POST', '/credentials/verify', { verifiableCredential: `${jwt}x` }, { 'idempotency-key': key })).status).toBe(409);
  });
});
