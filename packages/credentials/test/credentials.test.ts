import { randomBytes, randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { NotFoundError, PermanentJobError, ValidationError } from '@vcq/errors';
import { createJWT, EdDSASigner } from 'did-jwt';
import { createVerifiableCredentialJwt, verifyCredential } from 'did-jwt-vc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STATUS_LIST_TTL_MS, didKeyFromPublicKey, type DidView, publicKeyFromSeed, STATUS_LIST_BITS } from '../src/index.js';
import { decodeParts, keyDidResolver, loopbackEgress, startVcqHost, tamperPayload, type VcqHost } from './support.js';

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

function degree(overrides: Record<string, unknown> = {}) {
  return {
    issuerDid: issuer.did,
    subjectDid: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG',
    credentialType: 'UniversityDegreeCredential',
    claims: { degree: { type: 'BachelorDegree', name: 'Bachelor of Science' } },
    ...overrides,
  };
}

/** A VC-JWT made by did-jwt-vc for a did:key issuer vcq knows nothing about. */
async function didJwtVcCredential(payloadOverrides: Record<string, unknown> = {}) {
  const seed = randomBytes(32);
  const did = didKeyFromPublicKey(publicKeyFromSeed(seed));
  const vcJwt = await createVerifiableCredentialJwt(
    {
      sub: 'did:example:alice',
      nbf: Math.floor(Date.now() / 1000),
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'AlumniCredential'],
        credentialSubject: { alumniOf: 'Example University' },
      },
      ...payloadOverrides,
    },
    { did, signer: EdDSASigner(seed), alg: 'EdDSA' },
  );
  return { did, vcJwt };
}

describe('issuing', () => {
  it('when a credential is issued, then it is an EdDSA VC-JWT with a Bitstring status entry, stored and valid', async () => {
    const result = await vcq.service.credentials.issue(degree({ expirationDate: new Date(Date.now() + HOUR_MS).toISOString(), userId: 'user-1' }));

    const { header, payload } = decodeParts(result.vcJwt);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: issuer.keyId });
    const stored = await vcq.service.credentials.get(result.credentialId);
    expect(stored).toMatchObject({
      id: result.credentialId,
      publicId: `urn:uuid:${result.credentialId}`,
      issuer: issuer.did,
      subject: degree().subjectDid,
      type: 'UniversityDegreeCredential',
      status: 'issued',
      issuedAt: result.issuedAt,
      organizationId: 'default',
      userId: 'user-1',
      vcJwt: result.vcJwt,
    });
    expect(payload).toMatchObject({
      iss: issuer.did,
      sub: degree().subjectDid,
      jti: `urn:uuid:${result.credentialId}`,
      nbf: Date.parse(result.issuedAt) / 1000,
      exp: Math.floor(Date.parse(stored!.expiresAt!) / 1000),
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1', 'https://www.w3.org/ns/credentials/status/v1'],
        type: ['VerifiableCredential', 'UniversityDegreeCredential'],
        credentialSubject: { id: degree().subjectDid, ...degree().claims },
        credentialStatus: {
          id: `${stored!.statusListCredential}#${stored!.statusListIndex}`,
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: String(stored!.statusListIndex),
          statusListCredential: `${vcq.url}/status-lists/${stored!.statusListId}`,
        },
      },
    });
    expect(await vcq.service.credentials.get(stored!.publicId)).toEqual(stored);

    expect(await vcq.service.credentials.verify({ vcJwt: result.vcJwt })).toEqual({
      valid: true,
      claims: degree().claims,
      issuer: issuer.did,
      subject: degree().subjectDid,
      error: null,
    });
  });

  it('when did-jwt-vc verifies a vcq credential with an ordinary did:key resolver, then it passes', async () => {
    const { vcJwt } = await vcq.service.credentials.issue(degree());

    const verified = await verifyCredential(vcJwt, keyDidResolver());

    expect(verified.issuer).toBe(issuer.did);
    expect(verified.verifiableCredential.credentialSubject).toMatchObject({ id: degree().subjectDid, ...degree().claims });
    expect(verified.verifiableCredential.credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
  });

  it('when vcq verifies a credential did-jwt-vc made with an Ed25519 did:key, then it is valid with its claims', async () => {
    const { did, vcJwt } = await didJwtVcCredential();

    expect(await vcq.service.credentials.verify({ vcJwt })).toEqual({
      valid: true,
      claims: { alumniOf: 'Example University' },
      issuer: did,
      subject: 'did:example:alice',
      error: null,
    });
  });

  it.each([
    ['a subject that is not a DID', { subjectDid: 'alice' }, 'subjectDid'],
    ['an issuer that is not a DID', { issuerDid: 'https://issuer.example' }, 'issuerDid'],
    ['an expiration that is not a date-time', { expirationDate: 'next year' }, 'expirationDate'],
    ['an expiration in the past', { expirationDate: new Date(Date.now() - HOUR_MS).toISOString() }, 'expirationDate'],
    ['claims that are not an object', { claims: ['a'] }, 'claims'],
    ['claims that name the subject id', { claims: { id: 'did:example:mallory' } }, 'claims'],
    ['a credential type with spaces', { credentialType: 'Degree Credential' }, 'credentialType'],
    ['an id that is not a uuid', { id: 'job-1' }, 'id'],
  ])('when issuing with %s, then a ValidationError names %s', async (_, overrides, field) => {
    const attempt = vcq.service.credentials.issue(degree(overrides) as never);

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ errors: [expect.objectContaining({ field })] });
  });

  it('when the issuer DID is not one vcq controls, then issuance fails permanently with unknown_issuer (422)', async () => {
    const attempt = vcq.service.credentials.issue(degree({ issuerDid: 'did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL' }));

    await expect(attempt).rejects.toBeInstanceOf(PermanentJobError);
    await expect(attempt).rejects.toMatchObject({ code: 'unknown_issuer', status: 422 });
  });

  it('when many credentials are issued at once, then every one gets its own status list index', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => vcq.service.credentials.issue(degree())));

    const views = await Promise.all(results.map((r) => vcq.service.credentials.get(r.credentialId)));
    const places = new Set(views.map((v) => `${v!.statusListId}/${v!.statusListIndex}`));
    expect(places.size).toBe(40);
  });

  it('when issuances for several issuers go at once and one issuer is unknown, then only that one fails and the rest are stored and valid', async () => {
    const second = await vcq.service.dids.create({ method: 'key' });
    const unknown = 'did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL';
    const issuers = Array.from({ length: 30 }, (_, i) => (i === 7 ? unknown : i % 2 ? second.did : issuer.did));

    const results = await Promise.allSettled(issuers.map((issuerDid) => vcq.service.credentials.issue(degree({ issuerDid }))));

    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['unknown_issuer']);
    const issued = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(await vcq.db.credential.count({ where: { id: { in: issued.map((r) => r.credentialId) } } })).toBe(29);
    for (const r of issued.slice(0, 3)) expect((await vcq.service.credentials.verify({ vcJwt: r.vcJwt })).valid).toBe(true);
  });

  it('when a batch needs more indexes than its list has left, then it fills the list and continues in a new one', async () => {
    const own = await vcq.service.dids.create({ method: 'key' });
    const firstIssue = await vcq.service.credentials.issue(degree({ issuerDid: own.did }));
    const first = await vcq.service.credentials.get(firstIssue.credentialId);
    // Leave room for three more in the first list.
    await vcq.db.statusList.update({ where: { id: first!.statusListId }, data: { size: first!.statusListIndex + 4 } });

    const results = await Promise.all(Array.from({ length: 10 }, () => vcq.service.credentials.issue(degree({ issuerDid: own.did }))));

    const views = await Promise.all(results.map((r) => vcq.service.credentials.get(r.credentialId)));
    const inFirst = views.filter((v) => v!.statusListId === first!.statusListId).map((v) => v!.statusListIndex);
    expect(inFirst.sort((a, b) => a - b)).toEqual([1, 2, 3].map((k) => first!.statusListIndex + k));
    const lists = new Set(views.map((v) => v!.statusListId));
    expect(lists.size).toBe(2);
    expect(new Set(views.map((v) => `${v!.statusListId}/${v!.statusListIndex}`)).size).toBe(10);
    const full = await vcq.db.statusList.findUniqueOrThrow({ where: { id: first!.statusListId } });
    expect(full.nextIndex).toBe(full.size);
  });

  it('when the same id is issued twice (a retried job), then the first credential is returned; a different request with that id conflicts', async () => {
    const id = randomUUID();

    const [first, second] = await Promise.all([vcq.service.credentials.issue({ ...degree(), id }), vcq.service.credentials.issue({ ...degree(), id })]);
    const third = await vcq.service.credentials.issue({ ...degree(), id: id.toUpperCase() });

    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(first.credentialId).toBe(id);
    expect(await vcq.db.credential.count({ where: { id } })).toBe(1);
    await expect(vcq.service.credentials.issue({ ...degree({ subjectDid: 'did:example:someone-else' }), id })).rejects.toMatchObject({
      code: 'credential_id_conflict',
      status: 409,
    });
  });

  it('when a first attempt finds its id already issued (by a run it could not know of), then that credential answers, after its expiration date too; a different request with that id conflicts', async () => {
    const id = randomUUID();
    const expirationDate = new Date(Date.now() + HOUR_MS).toISOString();
    const made = await vcq.service.credentials.issue({ ...degree({ expirationDate }), id }, { firstAttempt: true });
    const again = await vcq.service.credentials.issue({ ...degree({ expirationDate }), id }, { firstAttempt: true });
    // Two hours on, the expiration date has passed: the stored credential still answers.
    const later = vcq.withDeps({ now: () => new Date(Date.now() + 2 * HOUR_MS) });
    const afterExpiry = await later.credentials.issue({ ...degree({ expirationDate }), id }, { firstAttempt: true });

    expect(made.credentialId).toBe(id);
    expect(again).toEqual(made);
    expect(afterExpiry).toEqual(made);
    expect(await vcq.db.credential.count({ where: { id } })).toBe(1);
    await expect(vcq.service.credentials.issue({ ...degree({ subjectDid: 'did:example:someone-else' }), id }, { firstAttempt: true })).rejects.toMatchObject({
      code: 'credential_id_conflict',
      status: 409,
    });
    // A new id after expiry is refused as before.
    await expect(later.credentials.issue({ ...degree({ expirationDate }), id: randomUUID() }, { firstAttempt: true })).rejects.toMatchObject({ status: 400 });
  });
});

describe('verification failures', () => {
  it('when the payload or the signature is tampered with, then the reason is bad_signature and no claims are reported', async () => {
    const { vcJwt } = await vcq.service.credentials.issue(degree());
    const upgraded = tamperPayload(vcJwt, (p) => {
      p.vc.credentialSubject.degree.name = 'Doctor of Philosophy';
    });
    const [h, p, s] = vcJwt.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s.startsWith('A') ? `B${s.slice(1)}` : `A${s.slice(1)}`}`;

    for (const forged of [upgraded, flipped]) {
      expect(await vcq.service.credentials.verify({ vcJwt: forged })).toEqual({
        valid: false,
        claims: null,
        issuer: issuer.did,
        subject: degree().subjectDid,
        error: 'bad_signature',
      });
    }
  });

  it('when the header claims another algorithm, then the reason is bad_signature', async () => {
    const { vcJwt } = await vcq.service.credentials.issue(degree());
    const [, p, s] = vcJwt.split('.') as [string, string, string];
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: issuer.keyId })).toString('base64url');

    expect((await vcq.service.credentials.verify({ vcJwt: `${header}.${p}.${s}` })).error).toBe('bad_signature');
  });

  it('when the credential expired, then the reason is expired and the claims are still reported', async () => {
    const issuedYesterday = vcq.withDeps({ now: () => new Date(Date.now() - 24 * HOUR_MS) });
    const { vcJwt } = await issuedYesterday.credentials.issue(degree({ expirationDate: new Date(Date.now() - 23 * HOUR_MS).toISOString() }));

    expect(await vcq.service.credentials.verify({ vcJwt })).toEqual({
      valid: false,
      claims: degree().claims,
      issuer: issuer.did,
      subject: degree().subjectDid,
      error: 'expired',
    });
  });

  it('when the credential is not valid yet, then the reason is not_yet_valid', async () => {
    const issuedTomorrow = vcq.withDeps({ now: () => new Date(Date.now() + 24 * HOUR_MS) });
    const { vcJwt } = await issuedTomorrow.credentials.issue(degree());

    expect(await vcq.service.credentials.verify({ vcJwt })).toMatchObject({ valid: false, error: 'not_yet_valid' });
    const { vcJwt: foreign } = await didJwtVcCredential({ nbf: Math.floor(Date.now() / 1000) + 3600 });
    expect(await vcq.service.credentials.verify({ vcJwt: foreign })).toMatchObject({ valid: false, error: 'not_yet_valid' });
  });

  it('when the issuer DID cannot be resolved, then the reason is unknown_issuer', async () => {
    const seed = randomBytes(32);
    const unresolvable = [`did:web:${vcq.host.replace(':', '%3A')}:nobody`, 'did:example:123456', 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'];
    for (const did of unresolvable) {
      const vcJwt = await createVerifiableCredentialJwt(
        { sub: 'did:example:alice', nbf: Math.floor(Date.now() / 1000), vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential'], credentialSubject: { a: 1 } } },
        { did, signer: EdDSASigner(seed), alg: 'EdDSA' },
      );
      expect(await vcq.service.credentials.verify({ vcJwt })).toEqual({ valid: false, claims: null, issuer: did, subject: 'did:example:alice', error: 'unknown_issuer' });
    }
  });

  it('when the input is not a VC-JWT, then the reason is malformed', async () => {
    const seed = randomBytes(32);
    const did = didKeyFromPublicKey(publicKeyFromSeed(seed));
    const plainJwt = await createJWT({ sub: 'did:example:alice', hello: 'world' }, { issuer: did, signer: EdDSASigner(seed) }, { alg: 'EdDSA' });
    const notJson = `${Buffer.from('{"alg":"EdDSA"').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`;
    const { vcJwt } = await vcq.service.credentials.issue(degree());
    const badIndex = tamperPayload(vcJwt, (p) => {
      p.vc.credentialStatus.statusListIndex = 'seven';
    });

    for (const candidate of ['not a jwt', 'a.b', notJson, plainJwt, badIndex]) {
      expect(await vcq.service.credentials.verify({ vcJwt: candidate })).toEqual({ valid: false, claims: null, issuer: null, subject: null, error: 'malformed' });
    }
    await expect(vcq.service.credentials.verify({ vcJwt: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(vcq.service.credentials.verify({ vcJwt: vcJwt, verifierDid: 'not-a-did' })).rejects.toMatchObject({
      errors: [expect.objectContaining({ field: 'verifierDid' })],
    });
  });
});

describe('revocation', () => {
  it('when a credential is revoked, then its bit is set, verification says revoked, and its neighbours stay valid', async () => {
    const revoked = await vcq.service.credentials.issue(degree());
    const kept = await vcq.service.credentials.issue(degree());

    const view = await vcq.service.credentials.revoke(revoked.credentialId);
    const again = await vcq.service.credentials.revoke(view.publicId);

    expect(view.status).toBe('revoked');
    expect(view.revokedAt).not.toBeNull();
    expect(again).toEqual(view);
    expect(await vcq.service.credentials.verify({ vcJwt: revoked.vcJwt })).toEqual({
      valid: false,
      claims: degree().claims,
      issuer: issuer.did,
      subject: degree().subjectDid,
      error: 'revoked',
    });
    expect((await vcq.service.credentials.verify({ vcJwt: kept.vcJwt })).valid).toBe(true);
  });

  it('when an unknown credential is revoked, then it is NotFound', async () => {
    await expect(vcq.service.credentials.revoke(randomUUID())).rejects.toBeInstanceOf(NotFoundError);
    await expect(vcq.service.credentials.revoke('urn:uuid:nope')).rejects.toBeInstanceOf(NotFoundError);
    expect(await vcq.service.credentials.get('nope')).toBeNull();
  });

  it('when the status list credential is published, then it is a signed BitstringStatusListCredential whose bitstring has the revoked bit', async () => {
    const issued = await vcq.service.credentials.issue(degree());
    const view = await vcq.service.credentials.revoke(issued.credentialId);

    const published = await vcq.service.credentials.statusListCredential(view.statusListId);
    expect(published?.mediaType).toBe('application/jwt');

    const verified = await verifyCredential(published!.credential, keyDidResolver());
    const subject = verified.verifiableCredential.credentialSubject as Record<string, string>;
    expect(verified.verifiableCredential.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);
    expect(verified.issuer).toBe(issuer.did);
    expect(subject).toMatchObject({ id: `${view.statusListCredential}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation' });
    expect(subject.encodedList).toMatch(/^u[A-Za-z0-9_-]+$/);
    const bits = gunzipSync(Buffer.from(subject.encodedList!.slice(1), 'base64url'));
    expect(bits.length * 8).toBe(STATUS_LIST_BITS);
    const bit = (i: number) => (bits[i >> 3]! >> (7 - (i % 8))) & 1;
    expect(bit(view.statusListIndex)).toBe(1);
    expect(bit(view.statusListIndex + 1)).toBe(0);
    expect(await vcq.service.credentials.statusListCredential(randomUUID())).toBeNull();
  });

  it('when a status list is fetched again and again, then it is signed once: the same bytes, until a revocation changes its bits', async () => {
    let clock = new Date('2026-12-01T10:00:00.000Z');
    const service = vcq.withDeps({ now: () => clock, statusListTtlMs: 60_000, statusListValidityMs: 3_600_000 });
    // An issuer of its own, so the list is this test's alone.
    const own = await service.dids.create({ method: 'key' });
    const first = await service.credentials.issue(degree({ issuerDid: own.did, expirationDate: undefined }));
    const listId = (await service.credentials.get(first.credentialId))!.statusListId;

    const a = await service.credentials.statusListCredential(listId);
    clock = new Date(clock.getTime() + 10 * 60_000);
    const b = await service.credentials.statusListCredential(listId);
    expect(b).toEqual(a);
    // It says how long it holds and how soon to look again (Bitstring Status List `ttl`, ms).
    const { payload } = decodeParts(a!.credential);
    expect(payload.exp - payload.iat).toBe(3600);
    expect(payload.vc.credentialSubject.ttl).toBe(60_000);
    expect(a!.validUntil.getTime() - a!.signedAt.getTime()).toBe(3_600_000);

    await service.credentials.revoke(first.credentialId);
    const c = await service.credentials.statusListCredential(listId);
    expect(c!.credential).not.toBe(a!.credential);
    expect(c!.etag).not.toBe(a!.etag);
    expect(await service.credentials.verify({ vcJwt: first.vcJwt })).toMatchObject({ error: 'revoked' });
    expect(await service.credentials.statusListCredential(listId)).toEqual(c);

    // Past half its validity it is signed again, so what is served always holds for a while yet.
    clock = new Date(c!.signedAt.getTime() + 31 * 60_000);
    const d = await service.credentials.statusListCredential(listId);
    expect(d!.signedAt.getTime()).toBe(Math.floor(clock.getTime() / 1000) * 1000);
    expect(decodeParts(d!.credential).payload.vc.credentialSubject.encodedList).toBe(decodeParts(c!.credential).payload.vc.credentialSubject.encodedList);
  });

  it('when revocations and fetches of one list race, then every fetch after a revocation shows its bit', async () => {
    const issued = await Promise.all(Array.from({ length: 12 }, () => vcq.service.credentials.issue(degree())));
    const views = await Promise.all(issued.map((i) => vcq.service.credentials.get(i.credentialId)));
    const listId = views[0]!.statusListId;
    const same = views.filter((v) => v!.statusListId === listId);
    const bitOf = async (index: number) => {
      const published = await vcq.service.credentials.statusListCredential(listId);
      const bits = gunzipSync(Buffer.from(decodeParts(published!.credential).payload.vc.credentialSubject.encodedList.slice(1), 'base64url'));
      return (bits[index >> 3]! >> (7 - (index % 8))) & 1;
    };
    for (const view of same) {
      // A fetch in flight while the bit is set must not leave a stale copy behind.
      await Promise.all([vcq.service.credentials.statusListCredential(listId), vcq.service.credentials.revoke(view!.id), vcq.service.credentials.statusListCredential(listId)]);
      expect(await bitOf(view!.statusListIndex)).toBe(1);
    }
  });
});

describe('status lists of other hosts', () => {
  let other: VcqHost;

  beforeAll(async () => {
    other = await startVcqHost({ didWebAllowHttpHosts: [vcq.host] });
  });

  afterAll(async () => {
    await other?.close();
  });

  it('when another host verifies our credential, then it fetches and checks our signed status list, and sees a revocation once its copy is stale', async () => {
    const webIssuer = await vcq.service.dids.create({ method: 'web', path: ['registrar'] });
    const issued = await vcq.service.credentials.issue(degree({ issuerDid: webIssuer.did }));
    const view = (await vcq.service.credentials.get(issued.credentialId))!;
    const clock = { at: Date.now() };
    const checker = other.withDeps({ now: () => new Date(clock.at) });
    const listPath = `/status-lists/${view.statusListId}`;

    expect(await checker.credentials.verify({ vcJwt: issued.vcJwt })).toMatchObject({ valid: true, error: null });
    expect(vcq.requests).toContain(listPath);

    await vcq.service.credentials.revoke(issued.credentialId);
    // The list other hosts fetched is kept while fresh (five minutes: it names no ttl).
    expect(await checker.credentials.verify({ vcJwt: issued.vcJwt })).toMatchObject({ valid: true, error: null });
    clock.at += DEFAULT_STATUS_LIST_TTL_MS + 1_000;
    expect(await checker.credentials.verify({ vcJwt: issued.vcJwt })).toMatchObject({ valid: false, error: 'revoked' });
    expect(vcq.requests.filter((path) => path === listPath)).toHaveLength(2);
  });

  it('when the status list host is not allowlisted for HTTP, then the status check is refused rather than skipped', async () => {
    const issued = await vcq.service.credentials.issue(degree());
    const strict = other.withDeps({ didWebAllowHttpHosts: [] });

    const attempt = strict.credentials.verify({ vcJwt: issued.vcJwt });

    await expect(attempt).rejects.toBeInstanceOf(PermanentJobError);
    await expect(attempt).rejects.toMatchObject({ code: 'insecure_url' });
  });

  it('when the status list host is private and not on the egress allowlist, then the check is refused and the list is never requested', async () => {
    const issued = await vcq.service.credentials.issue(degree());
    const listPath = `/status-lists/${(await vcq.service.credentials.get(issued.credentialId))!.statusListId}`;
    const requestsBefore = vcq.requests.filter((p) => p === listPath).length;
    // Plain HTTP is still allowed for the host: that decides the scheme, not the address check.
    const strict = other.withDeps({ egress: loopbackEgress({ allowPrivateHosts: [] }) });

    const attempt = strict.credentials.verify({ vcJwt: issued.vcJwt });

    await expect(attempt).rejects.toBeInstanceOf(PermanentJobError);
    await expect(attempt).rejects.toMatchObject({ code: 'destination_refused', message: expect.stringContaining('(loopback)') });
    expect(vcq.requests.filter((p) => p === listPath).length).toBe(requestsBefore);
  });

  it('when a credential points at a status list signed by someone else, then the check fails instead of trusting it', async () => {
    const mallory = await other.service.dids.create({ method: 'key' });
    const forgedList = await other.service.credentials.issue({ ...degree({ issuerDid: mallory.did }) });
    const malloryList = (await other.service.credentials.get(forgedList.credentialId))!.statusListCredential;
    const seed = randomBytes(32);
    const did = didKeyFromPublicKey(publicKeyFromSeed(seed));
    const vcJwt = await createVerifiableCredentialJwt(
      {
        sub: 'did:example:alice',
        nbf: Math.floor(Date.now() / 1000),
        vc: {
          '@context': ['https://www.w3.org/2018/credentials/v1'],
          type: ['VerifiableCredential'],
          credentialSubject: { a: 1 },
          credentialStatus: { id: `${malloryList}#0`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '0', statusListCredential: malloryList },
        },
      },
      { did, signer: EdDSASigner(seed), alg: 'EdDSA' },
    );
    const checker = vcq.withDeps({ didWebAllowHttpHosts: [other.host] });

    await expect(checker.credentials.verify({ vcJwt })).rejects.toMatchObject({ code: 'status_check_failed' });
  });
});
