import { randomUUID } from 'node:crypto';
import { PermanentJobError, UpstreamError, ValidationError } from '@vcq/errors';
import { listenOnLoopback, type LoopbackServer, type ManifestServer, startManifestServer } from '@vcq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVcApiIssuerBackend, type DidView, type IssueCredentialInput, vcApi } from '../src/index.js';
import { loopbackEgress, startVcqHost, type VcqHost } from './support.js';

const TOKEN = 'remote-issuer-token';
const V1 = 'https://www.w3.org/2018/credentials/v1';
const V2 = 'https://www.w3.org/ns/credentials/v2';

// `remote` is a second vcq serving the VC API (POST /credentials/issue) with its
// built-in signer; `local` issues through it with the vc-api backend.
let remote: VcqHost;
let local: VcqHost;
let remoteIssuer: DidView;
let stub: ManifestServer;

beforeAll(async () => {
  remote = await startVcqHost({ vcApiToken: TOKEN });
  remoteIssuer = await remote.service.dids.create({ method: 'key' });
  local = await startVcqHost({
    didWebAllowHttpHosts: [remote.host],
    issuerBackend: createVcApiIssuerBackend({ url: remote.url, token: TOKEN, fetchTimeoutMs: 5_000, egress: loopbackEgress() }),
  });
  stub = await startManifestServer();
});

afterAll(async () => {
  await local?.close();
  await remote?.close();
  await stub?.close();
});

// No format: the issuer backend here speaks VC-JWT.
function request(overrides: Partial<IssueCredentialInput> = {}): Omit<IssueCredentialInput, 'format'> {
  return {
    issuerDid: remoteIssuer.did,
    subjectDid: 'did:example:holder',
    credentialType: 'ProofOfAgeCredential',
    claims: { over18: true },
    ...overrides,
  };
}

describe('the vc-api issuer backend', () => {
  it('when a remote vcq issues through the VC API, then the credential verifies on both sides and lives in the remote', async () => {
    const expirationDate = new Date(Date.now() + 3_600_000).toISOString();
    const result = await local.service.credentials.issue(request({ expirationDate }));

    expect(await local.service.credentials.verify({ vcJwt: result.vcJwt })).toEqual({
      valid: true,
      claims: { over18: true },
      issuer: remoteIssuer.did,
      subject: 'did:example:holder',
      error: null,
    });
    expect(await remote.service.credentials.verify({ vcJwt: result.vcJwt })).toMatchObject({ valid: true });
    // The remote keeps the credential under the id it was asked for.
    const stored = await remote.service.credentials.get(`urn:uuid:${result.credentialId}`);
    expect(stored).toMatchObject({ issuer: remoteIssuer.did, type: 'ProofOfAgeCredential', vcJwt: result.vcJwt, issuedAt: result.issuedAt });
    expect(stored?.expiresAt).toBe(new Date(Math.floor(Date.parse(expirationDate) / 1000) * 1000).toISOString());
  });

  it('when a job retries with the same id, then the remote answers with the credential it already made', async () => {
    const id = randomUUID();

    const first = await local.service.credentials.issue({ ...request(), id });
    const retry = await local.service.credentials.issue({ ...request(), id });

    expect(first.credentialId).toBe(id);
    expect(retry).toEqual(first);
    expect(await remote.db.credential.count({ where: { publicId: `urn:uuid:${id}` } })).toBe(1);
  });

  it('when the remote refuses the request (4xx), then issuance fails permanently with its reason', async () => {
    const attempt = local.service.credentials.issue(request({ issuerDid: 'did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL' }));

    await expect(attempt).rejects.toBeInstanceOf(PermanentJobError);
    await expect(attempt).rejects.toMatchObject({ code: 'issuer_rejected', extensions: { upstreamStatus: 422 } });
    // The remote's problem text ("does not control ...") is its own, never repeated in vcq's error.
    await expect(attempt).rejects.toThrow(/answered 422$/);
  });

  it('when the token is wrong, then the 401 is a permanent failure', async () => {
    const backend = createVcApiIssuerBackend({ url: remote.url, token: 'wrong', fetchTimeoutMs: 5_000, egress: loopbackEgress() });

    await expect(backend.issue({ ...request(), id: randomUUID() }, { now: new Date() })).rejects.toMatchObject({
      code: 'issuer_rejected',
      extensions: { upstreamStatus: 401 },
    });
  });

  it('when the remote fails with 5xx, times out or is unreachable, then the error is transient (UpstreamError)', async () => {
    stub.fail('/failing/credentials/issue', 503);
    stub.put('/slow/credentials/issue', { verifiableCredential: 'x.y.z' }, { delayMs: 2_000 });
    const closed: LoopbackServer = await listenOnLoopback((_, res) => res.end());
    await closed.close();

    for (const [url, fetchTimeoutMs] of [[`${stub.url}/failing`, 5_000], [`${stub.url}/slow`, 200], [closed.url, 5_000]] as const) {
      const backend = createVcApiIssuerBackend({ url, fetchTimeoutMs, egress: loopbackEgress() });
      await expect(backend.issue({ ...request(), id: randomUUID() }, { now: new Date() })).rejects.toBeInstanceOf(UpstreamError);
    }
  });

  it('when the remote answers with a bare JWT string, then it is accepted; with no credential, it is an upstream error', async () => {
    const remoteResult = await remote.service.credentials.issue(request());
    stub.put('/plain/credentials/issue', { verifiableCredential: remoteResult.vcJwt }, { status: 201 });
    stub.put('/empty/credentials/issue', { verifiableCredential: { type: 'VerifiableCredential', proof: {} } });

    const plain = await createVcApiIssuerBackend({ url: `${stub.url}/plain`, fetchTimeoutMs: 5_000, egress: loopbackEgress() }).issue({ ...request(), id: randomUUID() }, { now: new Date() });
    const empty = createVcApiIssuerBackend({ url: `${stub.url}/empty`, fetchTimeoutMs: 5_000, egress: loopbackEgress() }).issue({ ...request(), id: randomUUID() }, { now: new Date() });

    expect(plain).toEqual(remoteResult);
    await expect(empty).rejects.toBeInstanceOf(UpstreamError);
  });

  it('when the remote signs as a different issuer than asked, then issuance fails permanently', async () => {
    const remoteResult = await remote.service.credentials.issue(request());
    stub.put('/other-issuer/credentials/issue', vcApi.issueResponse(remoteResult));

    await expect(
      createVcApiIssuerBackend({ url: `${stub.url}/other-issuer`, fetchTimeoutMs: 5_000, egress: loopbackEgress() }).issue(
        { ...request({ issuerDid: 'did:example:expected' }), id: randomUUID() },
        { now: new Date() },
      ),
    ).rejects.toMatchObject({ code: 'issuer_mismatch' });
  });
});

describe.each(['di-eddsa-rdfc-2022', 'di-eddsa-jcs-2022'] as const)('the vc-api issuer backend asked for %s', (format) => {
  it('when a remote vcq issues, then the credential carries its proof, verifies on both sides, and a retry answers the same', async () => {
    const id = randomUUID();
    const result = await local.service.credentials.issue({ ...request(), id, format });

    expect(result).toMatchObject({ format, credentialId: id, verifiableCredential: { id: `urn:uuid:${id}`, issuer: remoteIssuer.did, proof: { cryptosuite: format.slice('di-'.length) } } });
    expect(result.verifiableCredential.credentialSubject).toEqual({ id: 'did:example:holder', over18: true });
    expect(await local.service.credentials.verify({ verifiableCredential: result.verifiableCredential })).toMatchObject({ valid: true, issuer: remoteIssuer.did, claims: { over18: true } });
    expect(await remote.service.credentials.get(`urn:uuid:${id}`)).toMatchObject({ format, verifiableCredential: result.verifiableCredential });
    expect(await local.service.credentials.issue({ ...request(), id, format })).toEqual(result);
  });

  it('when the remote answers a JWT, or another cryptosuite, then issuance fails (upstream error; permanently)', async () => {
    const jwt = await remote.service.credentials.issue(request());
    const other = await remote.service.credentials.issue({ ...request(), format: format === 'di-eddsa-rdfc-2022' ? 'di-eddsa-jcs-2022' : 'di-eddsa-rdfc-2022' });
    stub.put(`/jwt-${format}/credentials/issue`, vcApi.issueResponse(jwt), { status: 201 });
    stub.put(`/other-${format}/credentials/issue`, vcApi.issueResponse(other), { status: 201 });
    const backend = (path: string) => createVcApiIssuerBackend({ url: `${stub.url}/${path}`, fetchTimeoutMs: 5_000, egress: loopbackEgress() });

    await expect(backend(`jwt-${format}`).issue({ ...request(), id: randomUUID(), format }, { now: new Date() })).rejects.toBeInstanceOf(UpstreamError);
    await expect(backend(`other-${format}`).issue({ ...request(), id: randomUUID(), format }, { now: new Date() })).rejects.toMatchObject({ code: 'format_mismatch' });
  });
});

describe('the VC API request and response shapes', () => {
  it('when a VC 2.0 issue request arrives, then the credential is carried as sent, summarised, and issued as vc+jwt', () => {
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
      id: 'https://example.edu/credentials/3732',
      type: ['VerifiableCredential', 'ExampleCredential', 'OtherCredential'],
      name: 'Example',
      issuer: { id: 'did:example:issuer', name: 'Example' },
      credentialSubject: { id: 'did:example:holder', score: 7 },
      validUntil: '2040-01-01T00:00:00Z',
    };
    const input = vcApi.issueRequestToInput({ credential, options: {} });

    expect(input).toEqual({
      issuerDid: 'did:example:issuer',
      subjectDid: 'did:example:holder',
      credentialType: 'ExampleCredential',
      claims: {},
      expirationDate: '2040-01-01T00:00:00Z',
      format: 'vc+jwt',
      credential,
    });
    // Not a copy: nothing the caller sent can be lost on the way.
    expect(input.credential).toBe(credential);
  });

  it.each([
    ['no credential', {}, 'credential'],
    ['an issuer that is not a DID', { credential: { type: ['VerifiableCredential', 'X'], issuer: 'acme', credentialSubject: { id: 'did:example:h' } } }, 'credential.issuer'],
    ['no @context', { credential: { type: ['VerifiableCredential'], issuer: 'did:example:i', credentialSubject: { id: 'did:example:h' } } }, 'credential.@context'],
    ['a @context that is a string', { credential: { '@context': V2, type: ['VerifiableCredential'], issuer: 'did:example:i', credentialSubject: { id: 'did:example:h' } } }, 'credential.@context'],
    ['a @context not opened by a base context', { credential: { '@context': ['https://www.w3.org/ns/credentials/examples/v2', V2], type: ['VerifiableCredential'], issuer: 'did:example:i', credentialSubject: { id: 'did:example:h' } } }, 'credential.@context'],
    ['a type without VerifiableCredential', { credential: { '@context': [V2], type: ['X'], issuer: 'did:example:i', credentialSubject: { id: 'did:example:h' } } }, 'credential.type'],
    ['a subject without a DID', { credential: { '@context': [V2], type: 'VerifiableCredential', issuer: 'did:example:i', credentialSubject: { name: 'h' } } }, 'credential.credentialSubject.id'],
    ['a bad validUntil', { credential: { '@context': [V2], type: 'VerifiableCredential', issuer: 'did:example:i', credentialSubject: { id: 'did:example:h' }, validUntil: 'soon' } }, 'credential.validUntil'],
    ['a 1.1 date in a 2.0 credential', { credential: { '@context': [V2], type: 'VerifiableCredential', issuer: 'did:example:i', credentialSubject: { id: 'did:example:h' }, expirationDate: '2040-01-01T00:00:00Z' } }, 'credential.expirationDate'],
    ['a credential id that is not a URL', { credential: { '@context': [V2], id: 'not a url', type: 'VerifiableCredential', issuer: 'did:example:i', credentialSubject: { id: 'did:example:h' } } }, 'credential.id'],
    ['a 1.1 credential asked for as vc+jwt', { credential: { '@context': [V1], type: 'VerifiableCredential', issuer: 'did:example:i', credentialSubject: { id: 'did:example:h' } }, options: { format: 'vc+jwt' } }, 'options.format'],
    ['a credentialStatus of its own', { credential: { '@context': [V2], type: 'VerifiableCredential', issuer: 'did:example:i', credentialSubject: { id: 'did:example:h' }, credentialStatus: {} } }, 'credential.credentialStatus'],
  ])('when an issue request has %s, then a ValidationError names %s', (_, body, field) => {
    let error: unknown;
    try {
      vcApi.issueRequestToInput(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('when a verify request carries a JWT or an enveloped credential, then both give the JWT; anything else is refused', () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwt = `${part({ alg: 'EdDSA', typ: 'JWT' })}.${part({ vc: {} })}.c2ln`;

    expect(vcApi.verifyRequestToInput({ verifiableCredential: jwt })).toEqual({ vcJwt: jwt });
    expect(vcApi.verifyRequestToInput(vcApi.issueResponse({ vcJwt: jwt, credentialId: 'x', issuedAt: '' }))).toEqual({ vcJwt: jwt });
    // A credential with a proof is a Data Integrity one, verified as it is; without one and not enveloped, it is refused,
    // as is one with a proof that is not a credential by the data model.
    const secured = { '@context': [V2], type: ['VerifiableCredential'], issuer: 'did:example:issuer', credentialSubject: { id: 'did:example:holder' }, proof: { type: 'DataIntegrityProof' } };
    expect(vcApi.verifyRequestToInput({ verifiableCredential: secured })).toEqual({ verifiableCredential: secured });
    const { proof: _proof, ...bare } = secured;
    expect(() => vcApi.verifyRequestToInput({ verifiableCredential: bare })).toThrow(/verifiableCredential\.proof is required/);
    expect(() => vcApi.verifyRequestToInput({ verifiableCredential: { type: ['VerifiableCredential'], proof: {} } })).toThrow(/verifiableCredential\.@context is required/);
    expect(() => vcApi.verifyRequestToInput({})).toThrow(ValidationError);
  });

  it('when a credential is verified through the remote VC API endpoint, then the answer says verified or names the problem', async () => {
    const issued = await remote.service.credentials.issue(request());
    const ask = async (verifiableCredential: unknown) => {
      const response = await fetch(`${remote.url}/credentials/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ verifiableCredential, options: {} }),
      });
      return response.json();
    };

    expect(await ask(vcApi.issueResponse(issued).verifiableCredential)).toEqual({ verified: true, problemDetails: [] });
    await remote.service.credentials.revoke(issued.credentialId);
    expect(await ask(issued.vcJwt)).toEqual({ verified: false, problemDetails: [expect.objectContaining({ title: 'REVOKED', detail: expect.stringMatching(/revoked/) })] });
  });
});
