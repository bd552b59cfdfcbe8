/**
 * Credentials secured with Data Integrity (eddsa-rdfc-2022, eddsa-jcs-2022), both ways
 * with the Digital Bazaar libraries: what vcq issues @digitalbazaar/vc verifies, what
 * @digitalbazaar/vc issues with a did:key vcq knows nothing about vcq verifies, and the
 * normative statements of the EdDSA cryptosuites spec that a proof can be checked for.
 */
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { createSignCryptosuite, createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import dataIntegrityContexts from '@digitalbazaar/data-integrity-context';
import multikeyContexts from '@digitalbazaar/multikey-context';
import * as vc from '@digitalbazaar/vc';
import { base58 } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataIntegrityIssueResult, type DidView, vcApi } from '../src/index.js';
import { startVcqHost, type VcqHost } from './support.js';

const V1 = 'https://www.w3.org/2018/credentials/v1';
const V2 = 'https://www.w3.org/ns/credentials/v2';
const UNDEFINED_TERMS = 'https://www.w3.org/ns/credentials/undefined-terms/v2';
const DI_V2 = 'https://w3id.org/security/data-integrity/v2';
const SUITES = [
  ['di-eddsa-rdfc-2022', 'eddsa-rdfc-2022'],
  ['di-eddsa-jcs-2022', 'eddsa-jcs-2022'],
] as const;

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
const degree = <F extends (typeof SUITES)[number][0]>(format: F, overrides: Record<string, unknown> = {}) => ({
  issuerDid: issuer.did,
  subjectDid,
  credentialType: 'UniversityDegreeCredential',
  claims: { degree: { type: 'BachelorDegree', name: 'Bachelor of Science' } },
  format,
  ...overrides,
});

/**
 * A document loader of the test's own, as a Digital Bazaar user would write one: the
 * contexts from their npm packages, and a did:key's key read from the DID itself.
 */
async function foreignLoader(url: string) {
  const context = credentialsContexts.get(url) ?? dataIntegrityContexts.contexts.get(url) ?? multikeyContexts.contexts.get(url);
  if (context) return { contextUrl: null, documentUrl: url, document: context };
  if (url.startsWith('did:key:')) {
    const [did, fragment] = url.split('#') as [string, string | undefined];
    const multikey = did.slice('did:key:'.length);
    const keyId = `${did}#${multikey}`;
    const method = { '@context': 'https://w3id.org/security/multikey/v1', id: keyId, type: 'Multikey', controller: did, publicKeyMultibase: multikey };
    const document = fragment
      ? method
      : { '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'], id: did, verificationMethod: [method], assertionMethod: [keyId] };
    return { contextUrl: null, documentUrl: url, document };
  }
  throw new Error(`the test loader has no ${url}`);
}

/** @digitalbazaar/vc's verdict on a credential (status is vcq's business, not this check's). */
async function digitalBazaarVerifies(credential: Record<string, unknown>) {
  const suite = [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() })];
  return vc.verifyCredential({ credential, suite, documentLoader: foreignLoader, checkStatus: async () => ({ verified: true }) });
}

/** A credential issued by @digitalbazaar/vc with a fresh did:key Ed25519 key. */
async function foreignCredential(cryptosuite: 'eddsa-rdfc-2022' | 'eddsa-jcs-2022', build: (did: string) => Record<string, unknown>) {
  const key = await Ed25519Multikey.generate();
  const did = `did:key:${key.publicKeyMultibase}`;
  const keyPair = await Ed25519Multikey.from({ ...(await key.export({ publicKey: true, secretKey: true, includeContext: true })), id: `${did}#${key.publicKeyMultibase}`, controller: did });
  const suite = new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite: cryptosuite === 'eddsa-jcs-2022' ? createSignCryptosuite() : eddsaRdfc2022 });
  const credential = await vc.issue({ credential: build(did), suite, documentLoader: foreignLoader });
  return { did, credential };
}

const alumni = (did: string, overrides: Record<string, unknown> = {}) => ({
  '@context': [V2, UNDEFINED_TERMS],
  type: ['VerifiableCredential', 'AlumniCredential'],
  issuer: did,
  validFrom: new Date(Date.now() - 60_000).toISOString(),
  credentialSubject: { id: 'did:example:alice', alumniOf: 'Example University' },
  ...overrides,
});

describe.each(SUITES)('issuing %s', (format, cryptosuite) => {
  it('when vcq issues, then the credential is VCDM 2.0 JSON-LD with a DataIntegrityProof by the issuer key, and @digitalbazaar/vc verifies it', async () => {
    const result = await vcq.service.credentials.issue(degree(format));
    expect(result).toMatchObject({ format, credentialId: expect.any(String), issuedAt: expect.any(String) });
    const credential = result.verifiableCredential;
    const stored = await vcq.service.credentials.get(result.credentialId);
    expect(credential).toMatchObject({
      '@context': [V2, UNDEFINED_TERMS],
      id: `urn:uuid:${result.credentialId}`,
      type: ['VerifiableCredential', 'UniversityDegreeCredential'],
      issuer: issuer.did,
      validFrom: result.issuedAt.replace('.000Z', 'Z'),
      credentialSubject: { id: subjectDid, ...degree(format).claims },
      credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListCredential: stored?.statusListCredential },
    });
    expect(credential.proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite,
      proofPurpose: 'assertionMethod',
      verificationMethod: issuer.keyId,
    });
    expect(issuer.keyId).toBe(`${issuer.did}#${issuer.did.slice('did:key:'.length)}`);
    const verdict = await digitalBazaarVerifies(credential);
    expect(verdict.error).toBeUndefined();
    expect(verdict.verified).toBe(true);
  });

  it('when the proof is inspected, then it meets the cryptosuite spec: multibase base58btc proofValue of a 64-byte signature, an XSD dateTimeStamp created', async () => {
    const expires = new Date(Math.floor((Date.now() + 3_600_000) / 1000) * 1000);
    const { verifiableCredential: credential, issuedAt } = await vcq.service.credentials.issue(degree(format, { expirationDate: expires.toISOString() }));
    expect(credential.validUntil).toBe(expires.toISOString().replace('.000Z', 'Z'));
    expect((await digitalBazaarVerifies(credential)).verified).toBe(true);
    const proof = credential.proof as Record<string, unknown>;
    expect(proof.proofValue).toMatch(/^z[1-9A-HJ-NP-Za-km-z]+$/);
    expect(base58.decode((proof.proofValue as string).slice(1))).toHaveLength(64);
    expect(proof.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    expect(Date.parse(proof.created as string)).toBe(Date.parse(issuedAt));
    // eddsa-jcs-2022 §3.3.1: the proof carries the document's @context; rdfc does not need to.
    if (cryptosuite === 'eddsa-jcs-2022') expect(proof['@context']).toEqual(credential['@context']);
  });

  it('when vcq verifies its own credential, then it is valid with its claims; revoked, it is revoked', async () => {
    const result = await vcq.service.credentials.issue(degree(format));
    expect(await vcq.service.credentials.verify({ verifiableCredential: result.verifiableCredential })).toEqual({
      valid: true,
      claims: degree(format).claims,
      issuer: issuer.did,
      subject: subjectDid,
      error: null,
    });
    await vcq.service.credentials.revoke(result.credentialId);
    expect(await vcq.service.credentials.verify({ verifiableCredential: result.verifiableCredential })).toMatchObject({ valid: false, error: 'revoked' });
  });

  it('when a claim or the proof is changed, then neither vcq nor @digitalbazaar/vc accepts it', async () => {
    const { verifiableCredential: credential } = await vcq.service.credentials.issue(degree(format));
    const claimChanged = structuredClone(credential) as { credentialSubject: { degree: { name: string } } };
    claimChanged.credentialSubject.degree.name = 'Doctor of Philosophy';
    const proofChanged = structuredClone(credential) as { proof: { created: string } };
    proofChanged.proof.created = '2020-01-01T00:00:00Z';
    for (const tampered of [claimChanged, proofChanged] as unknown as Array<Record<string, unknown>>) {
      expect(await vcq.service.credentials.verify({ verifiableCredential: tampered })).toEqual({ valid: false, claims: null, issuer: issuer.did, subject: subjectDid, error: 'bad_signature' });
      expect((await digitalBazaarVerifies(tampered)).verified).toBe(false);
    }
  });

  it('when the same id is issued again, then the stored credential comes back; in another format it is a 409', async () => {
    const id = crypto.randomUUID();
    const first = await vcq.service.credentials.issue({ ...degree(format), id });
    expect(await vcq.service.credentials.issue({ ...degree(format), id })).toEqual(first);
    await expect(vcq.service.credentials.issue({ ...degree(format), format: 'vc+jwt' as const, id })).rejects.toMatchObject({ code: 'credential_id_conflict', status: 409 });
    const view = await vcq.service.credentials.get(id);
    expect(view).toMatchObject({ format, verifiableCredential: first.verifiableCredential });
    expect(view).not.toHaveProperty('vcJwt');
  });
});

describe('verifying credentials @digitalbazaar/vc issued', () => {
  it.each(SUITES)('when a did:key issuer signs a VCDM 2.0 credential (%s), then vcq verifies it with its claims', async (_format, cryptosuite) => {
    const { did, credential } = await foreignCredential(cryptosuite, (d) => alumni(d));
    expect((credential.proof as Record<string, unknown>).cryptosuite).toBe(cryptosuite);
    expect(await vcq.service.credentials.verify({ verifiableCredential: credential })).toEqual({
      valid: true,
      claims: { alumniOf: 'Example University' },
      issuer: did,
      subject: 'did:example:alice',
      error: null,
    });
  });

  it('when the credential is VCDM 1.1 with the data integrity context (eddsa-rdfc-2022), then vcq verifies it too', async () => {
    const { did, credential } = await foreignCredential('eddsa-rdfc-2022', (d) => ({
      '@context': [V1, DI_V2, { alumniOf: 'https://schema.org/alumniOf', AlumniCredential: 'https://example.org/AlumniCredential' }],
      type: ['VerifiableCredential', 'AlumniCredential'],
      issuer: d,
      issuanceDate: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      credentialSubject: { id: 'did:example:alice', alumniOf: 'Example University' },
    }));
    expect(await vcq.service.credentials.verify({ verifiableCredential: credential })).toMatchObject({ valid: true, issuer: did, claims: { alumniOf: 'Example University' } });
  });

  it('when validUntil has passed, then it is expired (with its claims: the proof holds)', async () => {
    const { credential } = await foreignCredential('eddsa-jcs-2022', (d) => alumni(d, { validFrom: new Date(Date.now() - 7_200_000).toISOString(), validUntil: new Date(Date.now() - 3_600_000).toISOString() }));
    expect(await vcq.service.credentials.verify({ verifiableCredential: credential })).toMatchObject({ valid: false, error: 'expired', claims: { alumniOf: 'Example University' } });
  });

  it('when the proof names a key of another DID than the issuer, then it is bad_signature', async () => {
    const { credential } = await foreignCredential('eddsa-rdfc-2022', () => alumni(issuer.did));
    expect(await vcq.service.credentials.verify({ verifiableCredential: credential })).toMatchObject({ valid: false, error: 'bad_signature' });
  });

  it.each([
    ['the proof is not a DataIntegrityProof', (proof: Record<string, unknown>) => ({ ...proof, type: 'Ed25519Signature2020' })],
    ['the cryptosuite is not one vcq supports', (proof: Record<string, unknown>) => ({ ...proof, cryptosuite: 'ecdsa-rdfc-2019' })],
    ['there is no proof', () => undefined],
  ])('when %s, then it is malformed', async (_what, change) => {
    const { credential } = await foreignCredential('eddsa-rdfc-2022', (d) => alumni(d));
    const changed = { ...credential, proof: change(credential.proof as Record<string, unknown>) };
    // Without a proof it is no Data Integrity credential at all.
    if (changed.proof === undefined) delete (changed as Record<string, unknown>).proof;
    expect(await vcq.service.credentials.verify({ verifiableCredential: changed })).toMatchObject({ valid: false, error: 'malformed' });
  });
});

/** A fresh did:key Ed25519 key, as a Digital Bazaar user would make one. */
async function didKey() {
  const key = await Ed25519Multikey.generate();
  const did = `did:key:${key.publicKeyMultibase}`;
  const keyPair = await Ed25519Multikey.from({ ...(await key.export({ publicKey: true, secretKey: true, includeContext: true })), id: `${did}#${key.publicKeyMultibase}`, controller: did });
  return { did, signer: keyPair.signer() };
}

/**
 * A proof by `signer` over `unsecured` with `previous` as its `proof` (none: over the
 * bare credential), made by the library's own createProof: jsonld-signatures' sign
 * would strip the proofs a chained proof must cover.
 */
async function proofOver(
  cryptosuite: 'eddsa-rdfc-2022' | 'eddsa-jcs-2022',
  unsecured: Record<string, unknown>,
  signer: Awaited<ReturnType<typeof didKey>>['signer'],
  options: { id?: string; previousProof?: string | string[]; previous?: Array<Record<string, unknown>> } = {},
) {
  const suite = new DataIntegrityProof({ signer, cryptosuite: cryptosuite === 'eddsa-jcs-2022' ? createSignCryptosuite() : eddsaRdfc2022 });
  (suite as unknown as { proof: object }).proof = {
    ...(options.id ? { id: options.id } : {}),
    ...(options.previousProof ? { previousProof: options.previousProof } : {}),
  };
  const document = structuredClone(options.previous ? { ...unsecured, proof: options.previous } : unsecured);
  return suite.createProof({ document, purpose: new vc.CredentialIssuancePurpose(), proofSet: [], documentLoader: foreignLoader });
}

describe.each(SUITES)('proof sets and chains (%s)', (_format, cryptosuite) => {
  const witnessProofId = 'urn:uuid:6f1c2a4e-4f0e-4d7b-9a39-3c1f0f6d2b11';

  /** A witness did:key signs first; the issuer signs the credential holding that proof, naming it in previousProof. */
  async function chain(previousProof: string | string[] = witnessProofId) {
    const issuerKey = await didKey();
    const witness = await didKey();
    const unsecured = alumni(issuerKey.did);
    const first = await proofOver(cryptosuite, unsecured, witness.signer, { id: witnessProofId });
    const second = await proofOver(cryptosuite, unsecured, issuerKey.signer, { previousProof, previous: [first] });
    return { did: issuerKey.did, unsecured, first, second, credential: { ...unsecured, proof: [first, second] } };
  }

  it('when a witness signs first and the issuer signs naming its proof in previousProof, then vcq verifies the chain', async () => {
    const { did, credential, second } = await chain();
    expect(second.previousProof).toBe(witnessProofId);
    expect(await vcq.service.credentials.verify({ verifiableCredential: credential })).toEqual({
      valid: true,
      claims: { alumniOf: 'Example University' },
      issuer: did,
      subject: 'did:example:alice',
      error: null,
    });
    // The issuer's proof covers the witness's: over the bare credential it does not verify.
    expect(await vcq.service.credentials.verify({ verifiableCredential: { ...credential, proof: [{ ...second, previousProof: undefined }] } })).toMatchObject({
      valid: false,
      error: 'bad_signature',
    });
  });

  it('when previousProof is a list of ids, then vcq verifies the chain too', async () => {
    const { credential } = await chain([witnessProofId]);
    expect(await vcq.service.credentials.verify({ verifiableCredential: credential })).toMatchObject({ valid: true, error: null });
  });

  it('when the first proof of the chain is tampered with, then it is bad_signature', async () => {
    const { credential, first, second } = await chain();
    const tampered = { ...first, created: '2020-01-01T00:00:00Z' };
    expect(await vcq.service.credentials.verify({ verifiableCredential: { ...credential, proof: [tampered, second] } })).toMatchObject({
      valid: false,
      error: 'bad_signature',
      claims: null,
    });
  });

  it('when previousProof names a proof that is not there, then it is bad_signature', async () => {
    const { credential, first, second } = await chain();
    // The witness's proof under another id: the one named is missing.
    const renamed = { ...first, id: 'urn:uuid:00000000-0000-4000-8000-000000000000' };
    expect(await vcq.service.credentials.verify({ verifiableCredential: { ...credential, proof: [renamed, second] } })).toMatchObject({
      valid: false,
      error: 'bad_signature',
    });
    // And without the witness's proof at all.
    expect(await vcq.service.credentials.verify({ verifiableCredential: { ...credential, proof: [second] } })).toMatchObject({ valid: false, error: 'bad_signature' });
  });

  it('when previousProof is neither a string nor a list of strings, then it is bad_signature', async () => {
    const { credential, first, second } = await chain();
    expect(await vcq.service.credentials.verify({ verifiableCredential: { ...credential, proof: [first, { ...second, previousProof: 456321 }] } })).toMatchObject({
      valid: false,
      error: 'bad_signature',
    });
  });

  it('when the issuer and a witness sign independently (a proof set), then vcq verifies it; a bad witness proof fails it', async () => {
    const issuerKey = await didKey();
    const witness = await didKey();
    const unsecured = alumni(issuerKey.did);
    const byIssuer = await proofOver(cryptosuite, unsecured, issuerKey.signer);
    const byWitness = await proofOver(cryptosuite, unsecured, witness.signer);
    expect(await vcq.service.credentials.verify({ verifiableCredential: { ...unsecured, proof: [byWitness, byIssuer] } })).toMatchObject({
      valid: true,
      issuer: issuerKey.did,
      error: null,
    });
    // Every proof of the set must verify, not just the issuer's.
    const broken = { ...byWitness, proofValue: byIssuer.proofValue };
    expect(await vcq.service.credentials.verify({ verifiableCredential: { ...unsecured, proof: [broken, byIssuer] } })).toMatchObject({
      valid: false,
      error: 'bad_signature',
    });
  });

  it('when only keys the issuer does not control signed the set, then it is bad_signature', async () => {
    const issuerKey = await didKey();
    const witness = await didKey();
    const other = await didKey();
    const unsecured = alumni(issuerKey.did);
    const proofs = [await proofOver(cryptosuite, unsecured, witness.signer), await proofOver(cryptosuite, unsecured, other.signer)];
    expect(await vcq.service.credentials.verify({ verifiableCredential: { ...unsecured, proof: proofs } })).toMatchObject({
      valid: false,
      error: 'bad_signature',
      claims: null,
    });
  });
});

describe('JSON-LD contexts', () => {
  it('when a credential to verify names a context vcq has no copy of, then it is a 400 naming @context, and nothing is fetched', async () => {
    const { credential } = await foreignCredential('eddsa-jcs-2022', (d) => alumni(d));
    const unknown = { ...credential, '@context': [V2, 'https://example.org/contexts/alumni/v1'] };
    const requestsBefore = vcq.requests.length;
    await expect(vcq.service.credentials.verify({ verifiableCredential: unknown })).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'verifiableCredential.@context[1]', message: expect.stringContaining('https://example.org/contexts/alumni/v1') }],
    });
    expect(vcq.requests.length).toBe(requestsBefore);
    // The same through the VC API's request mapping, before any job is made.
    expect(() => vcApi.verifyRequestToInput({ verifiableCredential: unknown })).toThrow(/https:\/\/example\.org\/contexts\/alumni\/v1/);
  });

  it('when claims bring a context of their own that vcq has no copy of, then issuance is a 400 naming where it is', async () => {
    const claims = { degree: { '@context': 'https://example.org/contexts/degree/v1', type: 'BachelorDegree' } };
    await expect(vcq.service.credentials.issue(degree('di-eddsa-rdfc-2022', { claims }))).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'claims.degree.@context', message: expect.stringContaining('https://example.org/contexts/degree/v1') }],
    });
    // A known context inside the claims is processed from its bundled copy.
    const known = { degree: { '@context': 'https://www.w3.org/ns/credentials/v2', type: 'BachelorDegree', name: 'Bachelor of Science' } };
    const { verifiableCredential } = await vcq.service.credentials.issue(degree('di-eddsa-rdfc-2022', { claims: known }));
    expect((await digitalBazaarVerifies(verifiableCredential)).verified).toBe(true);
  });

  it('when the signing itself meets a context vcq has no copy of, then it is a 400 naming @context', async () => {
    const { signDataIntegrity } = await import('../src/data-integrity.js');
    const { signerFromSeed, generateSeed } = await import('../src/ed25519.js');
    const unsigned = { '@context': [V2, 'https://example.org/contexts/other/v1'], type: ['VerifiableCredential'], issuer: issuer.did, credentialSubject: { id: subjectDid } };
    await expect(signDataIntegrity(unsigned, { cryptosuite: 'eddsa-rdfc-2022', keyId: issuer.keyId, signer: signerFromSeed(generateSeed()), created: new Date() })).rejects.toMatchObject({
      status: 400,
      errors: [{ field: '@context', message: expect.stringContaining('https://example.org/contexts/other/v1') }],
    });
  });
});

describe('formats and inputs', () => {
  it('when CREDENTIAL_FORMAT is a Data Integrity format, then an issuance naming none is secured that way', async () => {
    const service = vcq.withDeps({ defaultFormat: 'di-eddsa-jcs-2022' });
    const { format: _, ...unnamed } = degree('di-eddsa-jcs-2022');
    const result = (await service.credentials.issue(unnamed)) as unknown as DataIntegrityIssueResult;
    expect(result.format).toBe('di-eddsa-jcs-2022');
    expect(result.verifiableCredential.proof).toMatchObject({ cryptosuite: 'eddsa-jcs-2022' });
  });

  it('when format names no format vcq has, then it is a 400 naming format', async () => {
    await expect(vcq.service.credentials.issue({ ...degree('di-eddsa-rdfc-2022'), format: 'ldp_vc' as never })).rejects.toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ field: 'format', message: expect.stringContaining('di-eddsa-rdfc-2022') })],
    });
  });

  it('when verification gets both vcJwt and verifiableCredential, or neither, then it is a 400 naming the field', async () => {
    const { verifiableCredential } = await vcq.service.credentials.issue(degree('di-eddsa-rdfc-2022'));
    await expect(vcq.service.credentials.verify({ vcJwt: 'a.b.c', verifiableCredential })).rejects.toMatchObject({ status: 400, errors: [{ field: 'verifiableCredential' }] });
    await expect(vcq.service.credentials.verify({})).rejects.toMatchObject({ status: 400, errors: [{ field: 'vcJwt' }] });
  });

  it('when a did:web issuer of vcq signs, then vcq verifies it from its own database', async () => {
    const web = await vcq.service.dids.create({ method: 'web', path: ['di', crypto.randomUUID().slice(0, 8)] });
    const result = await vcq.service.credentials.issue({ ...degree('di-eddsa-rdfc-2022'), issuerDid: web.did });
    expect(result.verifiableCredential.proof).toMatchObject({ verificationMethod: web.keyId });
    const requestsBefore = vcq.requests.length;
    expect(await vcq.service.credentials.verify({ verifiableCredential: result.verifiableCredential })).toMatchObject({ valid: true, issuer: web.did });
    expect(vcq.requests.length).toBe(requestsBefore);
  });

  it('when the VC API carries a Data Integrity credential, then it is answered as it is and verified as one', async () => {
    const result = await vcq.service.credentials.issue(degree('di-eddsa-jcs-2022'));
    const response = vcApi.issueResponse(result);
    expect(response.verifiableCredential).toEqual(result.verifiableCredential);
    const input = vcApi.verifyRequestToInput({ verifiableCredential: response.verifiableCredential });
    expect(vcApi.verifyResponse(await vcq.service.credentials.verify(input))).toEqual({ verified: true, problemDetails: [] });
  });
});

describe.each(SUITES)('status lists of %s credentials', (format, cryptosuite) => {
  let other: VcqHost;

  beforeAll(async () => {
    other = await startVcqHost({ didWebAllowHttpHosts: [vcq.host] });
  });

  afterAll(async () => {
    await other?.close();
  });

  it('when the credentials of a list are Data Integrity ones, then the list is published as one, secured with the same cryptosuite, apart from JWT lists', async () => {
    const { credentialId } = await vcq.service.credentials.issue(degree(format));
    const stored = await vcq.service.credentials.get(credentialId);
    const jwtCredential = await vcq.service.credentials.issue(degree(format, { format: 'vc+jwt' as const }));
    expect((await vcq.service.credentials.get(jwtCredential.credentialId))?.statusListId).not.toBe(stored?.statusListId);

    const published = await vcq.service.credentials.statusListCredential(stored?.statusListId as string);
    expect(published?.mediaType).toBe('application/vc');
    const list = JSON.parse(published?.credential as string) as Record<string, unknown>;
    expect(list).toMatchObject({
      '@context': [V2],
      id: stored?.statusListCredential,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: issuer.did,
      credentialSubject: { type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: expect.stringMatching(/^u/) },
      proof: { type: 'DataIntegrityProof', cryptosuite, verificationMethod: issuer.keyId, proofPurpose: 'assertionMethod' },
    });
    expect((await digitalBazaarVerifies(list)).verified).toBe(true);
  });

  it('when another host verifies, then it fetches the Data Integrity list over HTTP, checks its proof, and sees a revocation', async () => {
    const { verifiableCredential, credentialId } = await vcq.service.credentials.issue(degree(format));
    const listUrl = (verifiableCredential.credentialStatus as { statusListCredential: string }).statusListCredential;
    expect(await other.service.credentials.verify({ verifiableCredential })).toMatchObject({ valid: true, error: null });
    expect(vcq.requests).toContain(new URL(listUrl).pathname);
    await vcq.service.credentials.revoke(credentialId);
    // A fresh verifier (no cached list) sees the re-signed list.
    expect(await other.withDeps({}).credentials.verify({ verifiableCredential })).toMatchObject({ valid: false, error: 'revoked' });
  });
});
