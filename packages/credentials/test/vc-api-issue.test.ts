/**
 * Issuance through the VC API mapping: the credential a caller sends is issued as it
 * is (every member kept, the data model version it declares), its id names it within
 * the organization, and what vcq signs verifies with vcq and with did-jwt / did-jwt-vc.
 */
import { randomUUID } from 'node:crypto';
import { verifyJWS } from 'did-jwt';
import { verifyCredential } from 'did-jwt-vc';
import { PermanentJobError } from '@vcq/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import dataIntegrityContexts from '@digitalbazaar/data-integrity-context';
import { createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import multikeyContexts from '@digitalbazaar/multikey-context';
import * as statusListContexts from '@digitalbazaar/vc-bitstring-status-list-context';
import * as vc from '@digitalbazaar/vc';
import { type AnyIssueResult, type DataIntegrityIssueResult, type DidView, type IssueResult, vcApi } from '../src/index.js';
import { decodeParts, keyDidResolver, startVcqHost, type VcqHost } from './support.js';

const V1 = 'https://www.w3.org/2018/credentials/v1';
const V2 = 'https://www.w3.org/ns/credentials/v2';
const EXAMPLES = 'https://www.w3.org/ns/credentials/examples/v2';
const subjectDid = 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG';
let vcq: VcqHost;
let issuer: DidView;

beforeAll(async () => {
  vcq = await startVcqHost();
  issuer = await vcq.service.dids.create({ method: 'key' });
});

afterAll(async () => {
  await vcq?.close();
});

const alumni = (overrides: Record<string, unknown> = {}) => ({
  '@context': [V2, EXAMPLES],
  id: `urn:uuid:${randomUUID()}`,
  type: ['VerifiableCredential', 'AlumniCredential'],
  name: 'Alumni Credential',
  description: 'A minimum viable example of an Alumni Credential.',
  issuer: { id: issuer.did, name: 'Example University' },
  validFrom: '2024-01-01T00:00:00Z',
  validUntil: '2040-01-01T00:00:00Z',
  credentialSubject: [{ id: subjectDid, alumniOf: 'The School of Examples' }, { id: 'did:example:second', alumniOf: 'Another School' }],
  ...overrides,
});

const issue = (credential: Record<string, unknown>, options: Record<string, unknown> = {}) =>
  vcq.service.credentials.issue(vcApi.issueRequestToInput({ credential, options }));

/** The JWT of an issuance in a JWT format (the VC API's default). */
function jwtOf(result: AnyIssueResult): string {
  expect(result).toHaveProperty('vcJwt');
  return (result as IssueResult).vcJwt;
}

describe('issuing a VC API credential', () => {
  it('when a VCDM 2.0 credential is issued, then it stays 2.0 (vc+jwt) with every member kept and vcq’s status added', async () => {
    const credential = alumni();
    const vcJwt = jwtOf(await issue(credential));
    const { header, payload } = decodeParts(vcJwt);

    expect(header).toMatchObject({ typ: 'vc+jwt', cty: 'vc', alg: 'EdDSA' });
    const { credentialStatus, ...rest } = payload;
    expect(rest).toEqual(credential);
    expect(credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
    expect(await vcq.service.credentials.verify({ vcJwt })).toMatchObject({ valid: true, issuer: issuer.did, subject: subjectDid, claims: { alumniOf: 'The School of Examples' } });
    const { didDocument } = await keyDidResolver().resolve(issuer.did);
    expect(verifyJWS(vcJwt, didDocument?.verificationMethod ?? []).id).toBe(issuer.keyId);
  });

  it('when a VCDM 1.1 credential typed only VerifiableCredential is issued, then it is a VC-JWT did-jwt-vc verifies, dates and members kept', async () => {
    const credential = {
      '@context': [V1, 'https://w3id.org/citizenship/v1'],
      id: `urn:uuid:${randomUUID()}`,
      type: ['VerifiableCredential'],
      issuer: issuer.did,
      issuanceDate: '2024-05-01T10:00:00Z',
      expirationDate: '2040-01-01T00:00:00Z',
      credentialSubject: { id: subjectDid, givenName: 'Ada' },
    };
    const vcJwt = jwtOf(await issue(credential));
    const { header, payload } = decodeParts(vcJwt);

    expect(header.typ).toBe('JWT');
    expect(payload).toMatchObject({ iss: issuer.did, sub: subjectDid, jti: credential.id, nbf: Date.parse('2024-05-01T10:00:00Z') / 1000, exp: Date.parse('2040-01-01T00:00:00Z') / 1000 });
    expect(payload.vc['@context']).toEqual([...credential['@context'], 'https://www.w3.org/ns/credentials/status/v1']);
    expect(payload.vc).toMatchObject({ type: ['VerifiableCredential'], issuanceDate: credential.issuanceDate, credentialSubject: credential.credentialSubject });
    const verified = await verifyCredential(vcJwt, keyDidResolver());
    expect(verified.verifiableCredential).toMatchObject({ id: credential.id, credentialSubject: { id: subjectDid, givenName: 'Ada' } });
    expect(await vcq.service.credentials.verify({ vcJwt })).toMatchObject({ valid: true, subject: subjectDid });
  });

  it('when the same credential id comes again, then the same credential answers; with another body, a 409', async () => {
    const credential = alumni();
    const first = await issue(credential);
    const again = await issue(structuredClone(credential));

    expect(again).toEqual(first);
    expect(await vcq.db.credential.count({ where: { publicId: credential.id } })).toBe(1);
    const other = issue({ ...credential, name: 'Another name' });
    await expect(other).rejects.toBeInstanceOf(PermanentJobError);
    await expect(other).rejects.toMatchObject({ code: 'credential_id_conflict', status: 409 });
  });

  it('when two organizations use the same credential id, then each gets its own credential', async () => {
    const id = `https://example.edu/credentials/${randomUUID()}`;
    const mine = await issue(alumni({ id }));
    const theirIssuer = await vcq.service.dids.create({ method: 'key' }, { organizationId: 'other-org' });
    const theirs = await vcq.service.credentials.issue({
      ...vcApi.issueRequestToInput({ credential: alumni({ id, issuer: theirIssuer.did }) }),
      organizationId: 'other-org',
    });

    expect(theirs.credentialId).not.toBe(mine.credentialId);
    expect(await vcq.db.credential.count({ where: { publicId: id } })).toBe(2);
  });

  it('when claims hold __proto__ and constructor members, then they are signed exactly as sent', async () => {
    const body = JSON.parse(
      `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"issuer":"${issuer.did}","credentialSubject":{"id":"${subjectDid}","__proto__":{"polluted":true},"constructor":{"name":"x"}}}}`,
    );
    const vcJwt = jwtOf(await vcq.service.credentials.issue(vcApi.issueRequestToInput(body)));
    const signed = JSON.parse(Buffer.from(vcJwt.split('.')[1] as string, 'base64url').toString());

    expect(Object.keys(signed.credentialSubject)).toEqual(['id', '__proto__', 'constructor']);
    expect(JSON.stringify(signed.credentialSubject)).toBe(`{"id":"${subjectDid}","__proto__":{"polluted":true},"constructor":{"name":"x"}}`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('a credential id already taken', () => {
  it('when a VC API caller names the urn:uuid of a credential vcq issued itself, then that issuance is a 409 and the others in its batch succeed', async () => {
    const own = await vcq.service.credentials.issue({ issuerDid: issuer.did, subjectDid, credentialType: 'OwnCredential', claims: { a: 1 } });
    const [clash, bystander] = await Promise.allSettled([issue(alumni({ id: `urn:uuid:${own.credentialId}` })), issue(alumni())]);

    expect(clash).toMatchObject({ status: 'rejected', reason: { code: 'credential_id_conflict', status: 409 } });
    expect(bystander.status).toBe('fulfilled');
    expect(await vcq.db.credential.count({ where: { publicId: `urn:uuid:${own.credentialId}` } })).toBe(1);
  });
});

/**
 * A document loader as a Digital Bazaar user would write one: the contexts from their
 * npm packages, and a did:key's key read from the DID itself.
 */
async function foreignLoader(url: string) {
  const context =
    credentialsContexts.get(url) ?? dataIntegrityContexts.contexts.get(url) ?? multikeyContexts.contexts.get(url) ?? statusListContexts.contexts.get(url);
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

/** @digitalbazaar/vc's verdict (status is vcq's business, not this check's). */
function digitalBazaarVerifies(credential: Record<string, unknown>) {
  const suite = [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() })];
  return vc.verifyCredential({ credential, suite, documentLoader: foreignLoader, checkStatus: async () => ({ verified: true }) });
}

const UNDEFINED_TERMS = 'https://www.w3.org/ns/credentials/undefined-terms/v2';
const DI_V2 = 'https://w3id.org/security/data-integrity/v2';
const STATUS_V1 = 'https://www.w3.org/ns/credentials/status/v1';

/** A VC API issuance in a Data Integrity format: the credential with its proof. */
async function issueDi(credential: Record<string, unknown>, format: string) {
  const result = await issue(credential, { format });
  expect(result).toHaveProperty('verifiableCredential');
  return result as DataIntegrityIssueResult;
}

describe.each(['di-eddsa-rdfc-2022', 'di-eddsa-jcs-2022'] as const)('issuing a VC API credential as %s', (format) => {
  const cryptosuite = format.slice('di-'.length);

  it('when a VCDM 2.0 credential is issued, then it comes back whole with vcq’s status and a proof that vcq, the VC API and @digitalbazaar/vc verify', async () => {
    const credential = alumni({ '@context': [V2, UNDEFINED_TERMS] });
    const result = await issueDi(credential, format);
    const { proof, credentialStatus, ...rest } = result.verifiableCredential;

    expect(result.format).toBe(format);
    expect(rest).toEqual(credential);
    expect(credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
    expect(proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite, proofPurpose: 'assertionMethod', verificationMethod: issuer.keyId });
    // The VC API answers it as it is, and its verify route reads it back as a Data Integrity credential.
    const response = vcApi.issueResponse(result);
    expect(response).toEqual({ verifiableCredential: result.verifiableCredential });
    const input = vcApi.verifyRequestToInput(JSON.parse(JSON.stringify(response)));
    expect(vcApi.verifyResponse(await vcq.service.credentials.verify(input))).toEqual({ verified: true, problemDetails: [] });
    expect(await digitalBazaarVerifies(result.verifiableCredential)).toMatchObject({ verified: true });
    // A changed claim is caught by both.
    const tampered = { ...result.verifiableCredential, name: 'Forged Credential' };
    expect(vcApi.verifyResponse(await vcq.service.credentials.verify({ verifiableCredential: tampered }))).toMatchObject({ verified: false, problemDetails: [{ title: 'CRYPTOGRAPHIC_SECURITY_ERROR' }] });
    expect((await digitalBazaarVerifies(tampered)).verified).toBe(false);
  });

  it('when a VCDM 1.1 credential is issued, then it stays 1.1 with its dates and the contexts its status and proof need appended', async () => {
    const credential = {
      '@context': [V1],
      id: `urn:uuid:${randomUUID()}`,
      type: ['VerifiableCredential'],
      issuer: issuer.did,
      issuanceDate: '2024-05-01T10:00:00Z',
      expirationDate: '2040-01-01T00:00:00Z',
      credentialSubject: { id: subjectDid },
    };
    const { verifiableCredential } = await issueDi(credential, format);
    const { proof, credentialStatus, '@context': context, ...rest } = verifiableCredential;

    expect(context).toEqual([V1, STATUS_V1, DI_V2]);
    const { '@context': _, ...asked } = credential;
    expect(rest).toEqual(asked);
    expect(proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite });
    expect(credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry' });
    expect(await vcq.service.credentials.verify(vcApi.verifyRequestToInput({ verifiableCredential }))).toMatchObject({ valid: true, subject: subjectDid });
    expect(await digitalBazaarVerifies(verifiableCredential)).toMatchObject({ verified: true });
  });

  it('when the same credential id comes again, then the same credential answers; in another format, a 409', async () => {
    const credential = alumni({ '@context': [V2, UNDEFINED_TERMS] });
    const first = await issueDi(credential, format);
    const again = await issueDi(structuredClone(credential), format);

    expect(again).toEqual(first);
    await expect(issue(credential, { format: 'vc+jwt' })).rejects.toMatchObject({ code: 'credential_id_conflict', status: 409 });
    expect(await vcq.db.credential.count({ where: { publicId: credential.id } })).toBe(1);
  });

  it('when the credential names a context vcq has no copy of, then it is a 400 naming it, before any job', () => {
    expect(() => vcApi.issueRequestToInput({ credential: alumni(), options: { format } })).toThrow(
      expect.objectContaining({ status: 400, errors: [expect.objectContaining({ field: 'credential.@context[1]', message: expect.stringContaining(EXAMPLES) })] }),
    );
  });
});

it('when an eddsa-rdfc-2022 credential uses a term no context defines, then it is a 400 naming credential (JSON-LD cannot express it)', async () => {
  // alumniOf is defined by no context the credential names; eddsa-jcs-2022 signs the JSON and does not ask.
  await expect(issue(alumni({ '@context': [V2] }), { format: 'di-eddsa-rdfc-2022' })).rejects.toMatchObject({
    status: 400,
    errors: [expect.objectContaining({ field: 'credential', message: expect.stringContaining('JSON-LD') })],
  });
  // The VC API finds it before any job, naming the term; a 1.1 credential is checked with the contexts vcq appends.
  const input = vcApi.issueRequestToInput({ credential: alumni({ '@context': [V2] }), options: { format: 'di-eddsa-rdfc-2022' } });
  await expect(vcApi.assertIssuable(input)).rejects.toMatchObject({ status: 400, errors: [{ field: 'credential', message: expect.stringContaining('alumniOf') }] });
  const v1 = { '@context': [V1], type: ['VerifiableCredential'], issuer: issuer.did, credentialSubject: { id: subjectDid } };
  await expect(vcApi.assertIssuable(vcApi.issueRequestToInput({ credential: v1, options: { format: 'di-eddsa-rdfc-2022' } }))).resolves.toBeUndefined();
  const undefinedType = { ...v1, type: ['VerifiableCredential', 'InvalidType'] };
  await expect(vcApi.assertIssuable(vcApi.issueRequestToInput({ credential: undefinedType, options: { format: 'di-eddsa-rdfc-2022' } }))).rejects.toMatchObject({ status: 400 });
});
