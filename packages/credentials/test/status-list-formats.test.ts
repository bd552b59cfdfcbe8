/**
 * Status lists in the format of the credentials that point at them: a VCDM 1.1
 * VC-JWT's list is a VC-JWT (`application/jwt`), a VCDM 2.0 VC-JOSE-COSE credential's
 * list is a VCDM 2.0 credential secured the same way (`typ: vc+jwt`, the payload the
 * credential itself, `application/vc+jwt`), and a verifier on another host reads
 * either over HTTP and sees a revocation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DidView } from '../src/index.js';
import { decodeParts, startVcqHost, type VcqHost } from './support.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
let vcq: VcqHost;
let other: VcqHost;
let issuer: DidView;

beforeAll(async () => {
  vcq = await startVcqHost();
  other = await startVcqHost({ didWebAllowHttpHosts: [vcq.host] });
  issuer = await vcq.service.dids.create({ method: 'key' });
});

afterAll(async () => {
  await other?.close();
  await vcq?.close();
});

const issue = (format: 'jwt_vc_json' | 'vc+jwt') =>
  vcq.service.credentials.issue({
    issuerDid: issuer.did,
    subjectDid: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG',
    credentialType: 'UniversityDegreeCredential',
    claims: { degree: 'BSc' },
    format,
  });

describe('status lists of JWT-secured credentials', () => {
  it('when credentials of both JWT encodings are issued, then each points at a list of its own encoding', async () => {
    const v1 = await issue('jwt_vc_json');
    const v2 = await issue('vc+jwt');
    const [stored1, stored2] = [await vcq.service.credentials.get(v1.credentialId), await vcq.service.credentials.get(v2.credentialId)];
    expect(stored1?.statusListId).not.toBe(stored2?.statusListId);

    const list1 = await vcq.service.credentials.statusListCredential(stored1?.statusListId as string);
    expect(list1?.mediaType).toBe('application/jwt');
    const parts1 = decodeParts(list1?.credential as string);
    expect(parts1.header.typ).toBe('JWT');
    expect(parts1.payload.vc.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);

    const list2 = await vcq.service.credentials.statusListCredential(stored2?.statusListId as string);
    expect(list2?.mediaType).toBe('application/vc+jwt');
    const parts2 = decodeParts(list2?.credential as string);
    expect(parts2.header).toMatchObject({ typ: 'vc+jwt', cty: 'vc', kid: issuer.keyId });
    // The payload is the credential itself: no vc claim, validity from validFrom/validUntil.
    expect(parts2.payload.vc).toBeUndefined();
    expect(parts2.payload).toMatchObject({
      '@context': [V2],
      id: stored2?.statusListCredential,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: issuer.did,
      validFrom: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      validUntil: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      credentialSubject: { id: `${stored2?.statusListCredential}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: expect.stringMatching(/^u/) },
    });
    expect(Date.parse(parts2.payload.validUntil)).toBeGreaterThan(Date.parse(parts2.payload.validFrom));
  });

  it('when another host verifies a VCDM 2.0 credential, then it reads its vc+jwt list over HTTP and sees a revocation', async () => {
    const issued = await issue('vc+jwt');
    const listUrl = (await vcq.service.credentials.get(issued.credentialId))?.statusListCredential as string;
    expect(await other.service.credentials.verify({ vcJwt: issued.vcJwt })).toMatchObject({ valid: true, error: null });
    expect(vcq.requests).toContain(new URL(listUrl).pathname);
    await vcq.service.credentials.revoke(issued.credentialId);
    // A fresh verifier (no cached list) reads the list signed again.
    expect(await other.withDeps({}).credentials.verify({ vcJwt: issued.vcJwt })).toMatchObject({ valid: false, error: 'revoked' });
  });
});
