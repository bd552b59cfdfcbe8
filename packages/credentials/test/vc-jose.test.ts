/**
 * VCDM 2.0 credentials secured with VC-JOSE-COSE, by the Recommendation's normative
 * statements, and both ways with did-jwt (a JWS library of the field): what vcq signs
 * did-jwt verifies against the issuer's did:key, and what did-jwt signs vcq verifies.
 */
import { randomBytes } from 'node:crypto';
import { createJWS, EdDSASigner, verifyJWS } from 'did-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, type DidView, publicKeyFromSeed } from '../src/index.js';
import { envelope, jwtFromEnvelope } from '../src/vc-jwt.js';
import { decodeParts, keyDidResolver, startVcqHost, type VcqHost } from './support.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const HOUR_MS = 3_600_000;
let vcq: VcqHost;
let issuer: DidView;

beforeAll(async () => {
  vcq = await startVcqHost();
  issuer = await vcq.service.dids.create({ method: 'key' });
});

afterAll(async () => {
  await vcq?.close();
});

const subjectDid = 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG';
const degree = (overrides: Record<string, unknown> = {}) => ({
  issuerDid: issuer.did,
  subjectDid,
  credentialType: 'UniversityDegreeCredential',
  claims: { degree: { type: 'BachelorDegree', name: 'Bachelor of Science' } },
  format: 'vc+jwt' as const,
  ...overrides,
});

/** A VC-JOSE-COSE JWS signed by did-jwt for a did:key vcq knows nothing about. */
async function foreignVcJose(credential: (did: string) => Record<string, unknown>, header: Record<string, unknown> = {}) {
  const seed = randomBytes(32);
  const did = didKeyFromPublicKey(publicKeyFromSeed(seed));
  const kid = `${did}#${did.slice('did:key:'.length)}`;
  // did-jwt's header type knows only typ JWT; the JWS it makes carries whatever typ it is given.
  const protectedHeader = { alg: 'EdDSA', typ: 'vc+jwt', kid, ...header } as unknown as Parameters<typeof createJWS>[2];
  const jws = await createJWS(credential(did), EdDSASigner(seed), protectedHeader);
  return { did, jws };
}

const plainCredential = (did: string, overrides: Record<string, unknown> = {}) => ({
  '@context': [V2],
  type: ['VerifiableCredential', 'AlumniCredential'],
  issuer: did,
  validFrom: new Date(Date.now() - 60_000).toISOString(),
  credentialSubject: { id: 'did:example:alice', alumniOf: 'Example University' },
  ...overrides,
});

describe('issuing vc+jwt', () => {
  it('when format is vc+jwt, then the header says typ vc+jwt, cty vc, and the payload is the credential itself', async () => {
    const expires = new Date(Math.floor((Date.now() + HOUR_MS) / 1000) * 1000);
    const result = await vcq.service.credentials.issue(degree({ expirationDate: expires.toISOString() }));
    const { header, payload } = decodeParts(result.vcJwt);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'vc+jwt', cty: 'vc', kid: issuer.keyId });
    const stored = await vcq.service.credentials.get(result.credentialId);
    expect(payload).toEqual({
      '@context': [V2],
      id: `urn:uuid:${result.credentialId}`,
      type: ['VerifiableCredential', 'UniversityDegreeCredential'],
      issuer: issuer.did,
      validFrom: result.issuedAt.replace('.000Z', 'Z'),
      validUntil: expires.toISOString().replace('.000Z', 'Z'),
      credentialSubject: { id: subjectDid, ...degree().claims },
      credentialStatus: {
        id: `${stored?.statusListCredential}#${stored?.statusListIndex}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: String(stored?.statusListIndex),
        statusListCredential: stored?.statusListCredential,
      },
    });
    // No JWT claims stand in for the credential's properties (no vc, iss, sub, nbf, exp, jti).
    for (const claim of ['vc', 'iss', 'sub', 'nbf', 'exp', 'jti']) expect(payload).not.toHaveProperty(claim);
    expect(await vcq.service.credentials.verify({ vcJwt: result.vcJwt })).toEqual({
      valid: true,
      claims: degree().claims,
      issuer: issuer.did,
      subject: subjectDid,
      error: null,
    });
  });

  it('when did-jwt verifies a vcq vc+jwt against the issuer did:key document, then the signature holds', async () => {
    const { vcJwt } = await vcq.service.credentials.issue(degree());
    const { didDocument } = await keyDidResolver().resolve(issuer.did);
    const methods = didDocument?.verificationMethod ?? [];
    expect(methods.length).toBeGreaterThan(0);
    expect(verifyJWS(vcJwt, methods).id).toBe(issuer.keyId);
  });

  it('when a vc+jwt credential is revoked, then it verifies as revoked', async () => {
    const { vcJwt, credentialId } = await vcq.service.credentials.issue(degree());
    await vcq.service.credentials.revoke(credentialId);
    expect(await vcq.service.credentials.verify({ vcJwt })).toMatchObject({ valid: false, error: 'revoked' });
  });

  it('when the same credential id is issued again in the other format, then it is a 409 conflict, not a second credential', async () => {
    const first = await vcq.service.credentials.issue({ ...degree(), id: crypto.randomUUID() });
    const again = vcq.service.credentials.issue({ ...degree({ format: 'jwt_vc_json' }), id: first.credentialId });
    await expect(again).rejects.toMatchObject({ code: 'credential_id_conflict', status: 409 });
    expect(await vcq.service.credentials.issue({ ...degree(), id: first.credentialId })).toEqual(first);
  });

  it('when format is unknown, then the input is refused naming format', async () => {
    await expect(vcq.service.credentials.issue(degree({ format: 'ldp' }))).rejects.toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ field: 'format' })],
    });
  });

  it('when format is not given, then the configured default decides', async () => {
    const jose = vcq.withDeps({ defaultFormat: 'vc+jwt' });
    const { format: _, ...unnamed } = degree();
    expect(decodeParts((await jose.credentials.issue(unnamed)).vcJwt).header.typ).toBe('vc+jwt');
    expect(decodeParts((await vcq.service.credentials.issue(unnamed)).vcJwt).header.typ).toBe('JWT');
  });
});

describe('verifying vc+jwt', () => {
  it('when did-jwt signs a VCDM 2.0 credential as vc+jwt, then vcq verifies it with its claims', async () => {
    const { did, jws } = await foreignVcJose((d) => plainCredential(d));
    expect(await vcq.service.credentials.verify({ vcJwt: jws })).toEqual({
      valid: true,
      claims: { alumniOf: 'Example University' },
      issuer: did,
      subject: 'did:example:alice',
      error: null,
    });
  });

  it('when the issuer is an object with an id, then that id is the issuer', async () => {
    const { did, jws } = await foreignVcJose((d) => plainCredential(d, { issuer: { id: d, name: 'Example University' } }));
    expect(await vcq.service.credentials.verify({ vcJwt: jws })).toMatchObject({ valid: true, issuer: did });
  });

  it.each([
    ['the payload wraps the credential in a vc claim', (d: string) => ({ vc: plainCredential(d) })],
    ['the credential has vc and vp claims beside its own members', (d: string) => ({ ...plainCredential(d), vc: {}, vp: {} })],
    ['the credential has a vp claim', (d: string) => plainCredential(d, { vp: { type: 'VerifiablePresentation' } })],
    ['iss names another issuer than issuer', (d: string) => plainCredential(d, { iss: 'did:example:someone-else' })],
    ['iss names another issuer than issuer.id', (d: string) => plainCredential(d, { issuer: { id: d, name: 'Example University' }, iss: 'did:example:someone-else' })],
    ['@context is a string, not an array', (d: string) => plainCredential(d, { '@context': V2 })],
    ['the first @context is not the v2 context', (d: string) => plainCredential(d, { '@context': ['https://www.w3.org/2018/credentials/v1', V2] })],
    ['type lacks VerifiableCredential', (d: string) => plainCredential(d, { type: ['AlumniCredential'] })],
    ['credentialSubject is missing', (d: string) => plainCredential(d, { credentialSubject: undefined })],
    ['validFrom has no time zone', (d: string) => plainCredential(d, { validFrom: '2026-01-01T00:00:00' })],
    ['the issuer is not a URL', (d: string) => plainCredential(d, { issuer: 'Example University' })],
  ])('when %s, then it is malformed', async (_what, credential) => {
    const { jws } = await foreignVcJose((d) => JSON.parse(JSON.stringify(credential(d))) as Record<string, unknown>);
    expect(await vcq.service.credentials.verify({ vcJwt: jws })).toMatchObject({ valid: false, error: 'malformed' });
  });

  it('when validUntil has passed, or validFrom is still ahead, then it is expired or not yet valid', async () => {
    const past = await foreignVcJose((d) => plainCredential(d, { validUntil: new Date(Date.now() - HOUR_MS).toISOString() }));
    expect(await vcq.service.credentials.verify({ vcJwt: past.jws })).toMatchObject({ valid: false, error: 'expired' });
    const ahead = await foreignVcJose((d) => plainCredential(d, { validFrom: new Date(Date.now() + HOUR_MS).toISOString() }));
    expect(await vcq.service.credentials.verify({ vcJwt: ahead.jws })).toMatchObject({ valid: false, error: 'not_yet_valid' });
  });

  it('when iss is present and matches the issuer (a string, or the id of an object), then it verifies', async () => {
    const plain = await foreignVcJose((d) => plainCredential(d, { iss: d }));
    expect(await vcq.service.credentials.verify({ vcJwt: plain.jws })).toMatchObject({ valid: true, issuer: plain.did });
    const object = await foreignVcJose((d) => plainCredential(d, { issuer: { id: d, name: 'Example University' }, iss: d }));
    expect(await vcq.service.credentials.verify({ vcJwt: object.jws })).toMatchObject({ valid: true, issuer: object.did });
  });

  it('when typ is the full media type application/vc+jwt, then it is read as VC-JOSE-COSE too', async () => {
    const { jws } = await foreignVcJose((d) => plainCredential(d), { typ: 'application/vc+jwt' });
    expect(await vcq.service.credentials.verify({ vcJwt: jws })).toMatchObject({ valid: true });
  });
});

describe('envelopes', () => {
  it('when a credential is enveloped, then its data: URL names its own media type and @context is an array', async () => {
    const jose = (await vcq.service.credentials.issue(degree())).vcJwt;
    const jwt11 = (await vcq.service.credentials.issue(degree({ format: 'jwt_vc_json' }))).vcJwt;
    expect(envelope(jose)).toEqual({ '@context': [V2], id: `data:application/vc+jwt,${jose}`, type: 'EnvelopedVerifiableCredential' });
    // A VCDM 1.1 VC-JWT is not VC-JOSE-COSE: it does not claim application/vc+jwt.
    expect(envelope(jwt11).id).toBe(`data:application/jwt,${jwt11}`);
    expect(jwtFromEnvelope(envelope(jose))).toBe(jose);
    expect(jwtFromEnvelope(envelope(jwt11))).toBe(jwt11);
  });
});
