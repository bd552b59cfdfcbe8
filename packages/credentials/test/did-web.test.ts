import { randomBytes } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { EgressRefusedError } from '@vcq/egress';
import { NotFoundError, PermanentJobError, UpstreamError } from '@vcq/errors';
import { EdDSASigner } from 'did-jwt';
import { createVerifiableCredentialJwt } from 'did-jwt-vc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKeyMaterial } from '../src/index.js';
import { fetchFromPeer } from '../src/peer-fetch.js';
import { decodeParts, loopbackEgress, startVcqHost, type VcqHost } from './support.js';

// Two vcq hosts on loopback: `home` publishes did:web documents; `other` resolves them
// as a did:web of another host, over plain HTTP because its allowlist names home.
let home: VcqHost;
let other: VcqHost;

beforeAll(async () => {
  home = await startVcqHost();
  other = await startVcqHost({ didWebAllowHttpHosts: ['127.0.0.1'] });
});

afterAll(async () => {
  await home?.close();
  await other?.close();
});

function encodedHost(host: string): string {
  return host.replace(':', '%3A');
}

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: response.status === 200 ? await response.json() : null };
}

describe('did:web documents vcq hosts', () => {
  it('when a did:web with a path is created, then its id encodes the port and the document is served at /<path>/did.json', async () => {
    const view = await home.service.dids.create({
      method: 'web',
      path: ['issuers', 'acme'],
      services: [{ id: '#hub', type: 'LinkedDomains', serviceEndpoint: 'https://acme.example/' }],
    });

    expect(view.did).toBe(`did:web:${encodedHost(home.host)}:issuers:acme`);
    const served = await get(`${home.url}/issuers/acme/did.json`);
    expect(served.status).toBe(200);
    expect(served.body).toEqual(view.document);
    expect(view.document).toMatchObject({
      id: view.did,
      verificationMethod: [{ id: view.keyId, type: 'Multikey', controller: view.did }],
      assertionMethod: [view.keyId],
      authentication: [view.keyId],
      service: [{ id: `${view.did}#hub`, type: 'LinkedDomains', serviceEndpoint: 'https://acme.example/' }],
    });
  });

  it('when the bare-host did:web is created, then it is served at /.well-known/did.json', async () => {
    const view = await home.service.dids.create({ method: 'web' });

    expect(view.did).toBe(`did:web:${encodedHost(home.host)}`);
    expect((await get(`${home.url}/.well-known/did.json`)).body).toEqual(view.document);
  });

  it('when a path vcq has no DID for is requested, then there is no document', async () => {
    expect(await home.service.dids.webDocument(['nobody'])).toBeNull();
    expect(await home.service.dids.webDocument(['..', 'etc'])).toBeNull();
    expect((await get(`${home.url}/nobody/did.json`)).status).toBe(404);
  });

  it('when a did:web DID already exists, then creating it again with a fresh key conflicts', async () => {
    await home.service.dids.create({ method: 'web', path: ['taken'] });

    await expect(home.service.dids.create({ method: 'web', path: ['taken'] })).rejects.toMatchObject({ code: 'did_exists', status: 409 });
  });

  it.each([
    ['a path segment with a slash', { method: 'web', path: ['a/b'] }, 'path.0'],
    ['a dot segment', { method: 'web', path: ['..'] }, 'path.0'],
    ['a path under the API', { method: 'web', path: ['api', 'x'] }, 'path.0'],
    ['a service without a type', { method: 'web', path: ['s'], services: [{ id: '#a', serviceEndpoint: 'https://a.example' }] }, 'services.0.type'],
    ['a service endpoint that is not a URI', { method: 'web', path: ['s'], services: [{ id: '#a', type: 'X', serviceEndpoint: 'not a uri' }] }, 'services.0.serviceEndpoint'],
    ['two services with one id', { method: 'web', path: ['s'], services: [{ id: '#a', type: 'X', serviceEndpoint: 'https://a.example' }, { id: 'a', type: 'Y', serviceEndpoint: 'https://b.example' }] }, 'services.1.id'],
  ])('when creating with %s, then a ValidationError names %s', async (_, input, field) => {
    await expect(home.service.dids.create(input as never)).rejects.toMatchObject({ status: 400, errors: [expect.objectContaining({ field })] });
  });
});

describe('did:web resolution', () => {
  it('when our own did:web is resolved, then it comes from the database with created/updated metadata', async () => {
    const view = await home.service.dids.create({ method: 'web', path: ['own'] });

    const resolution = await home.service.dids.resolve(view.did);

    expect(resolution.didDocument).toEqual(view.document);
    expect(resolution.didDocumentMetadata).toEqual({ created: view.createdAt, updated: view.updatedAt });
  });

  it('when another host resolves our did:web and that host is allowlisted, then it fetches the document over HTTP', async () => {
    const view = await home.service.dids.create({ method: 'web', path: ['shared', 'alice'] });

    const resolution = await other.service.dids.resolve(view.did);

    expect(resolution.didDocument).toEqual(view.document);
    expect(home.requests).toContain('/shared/alice/did.json');
  });

  it('when only host:port entries are allowlisted, then the matching port is fetched over HTTP', async () => {
    const view = await home.service.dids.create({ method: 'web', path: ['port-match'] });
    const exact = other.withDeps({ didWebAllowHttpHosts: [home.host] });

    expect((await exact.dids.resolve(view.did)).didDocument.id).toBe(view.did);
  });

  it('when the host is not allowlisted, then vcq insists on HTTPS and never requests the document over HTTP', async () => {
    const view = await home.service.dids.create({ method: 'web', path: ['https-only'] });
    const strict = other.withDeps({ didWebAllowHttpHosts: ['127.0.0.1:1'] });

    const attempt = strict.dids.resolve(view.did);

    // The TLS handshake against a plain-HTTP server fails before any HTTP request is made.
    await expect(attempt).rejects.toBeInstanceOf(UpstreamError);
    await expect(attempt).rejects.toThrow(/https:\/\//);
    expect(home.requests).not.toContain('/https-only/did.json');
  });

  it('when another host has no such DID, then resolution is NotFound; and our own unknown did:web is NotFound too', async () => {
    await expect(other.service.dids.resolve(`did:web:${encodedHost(home.host)}:ghost`)).rejects.toBeInstanceOf(NotFoundError);
    await expect(home.service.dids.resolve(`did:web:${encodedHost(home.host)}:ghost`)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('when a host serves a document about a different DID, then it is refused', async () => {
    const view = await home.service.dids.create({ method: 'web', path: ['impostor'] });
    // other's own DID at path "impostor" would be different; fetch home's document under another DID name.
    const wrongDid = `did:web:${encodedHost(home.host)}:impostor:x`;
    await home.service.dids.create({ method: 'web', path: ['impostor', 'x'] });
    await home.db.did.update({ where: { did: wrongDid }, data: { document: view.document as never } });

    await expect(other.service.dids.resolve(wrongDid)).rejects.toMatchObject({ code: 'invalid_did_document' });
  });
});

describe('did:web through the egress policy', () => {
  // home, reached under a public-looking name that an in-process resolver points at loopback.
  const NAME = 'issuer.example';
  const toLoopback = async (): Promise<LookupAddress[]> => [{ address: '127.0.0.1', family: 4 }];
  const didUnderName = (path: string) => `did:web:${NAME}%3A${new URL(home.url).port}:${path}`;

  it('when a did:web host resolves private and is not on the egress allowlist, then resolving is refused though plain HTTP is allowed for it', async () => {
    await home.service.dids.create({ method: 'web', path: ['behind-a-name'] });
    const strict = other.withDeps({ didWebAllowHttpHosts: [NAME], egress: loopbackEgress({ allowPrivateHosts: [], resolve: toLoopback }) });

    const attempt = strict.dids.resolve(didUnderName('behind-a-name'));

    await expect(attempt).rejects.toBeInstanceOf(EgressRefusedError);
    await expect(attempt).rejects.toThrow(`${NAME} resolves to a private or reserved address`);
    expect(home.requests).not.toContain('/behind-a-name/did.json');
  });

  it('when that host is on the egress allowlist, then the document is fetched from the address the resolver gave', async () => {
    await home.service.dids.create({ method: 'web', path: ['allowed-by-name'] });
    const allowing = other.withDeps({ didWebAllowHttpHosts: [NAME], egress: loopbackEgress({ allowPrivateHosts: [NAME], resolve: toLoopback }) });

    // home's document names home's own DID, not the one under the other name.
    await expect(allowing.dids.resolve(didUnderName('allowed-by-name'))).rejects.toMatchObject({ code: 'invalid_did_document' });
    expect(home.requests).toContain('/allowed-by-name/did.json');
  });

  it('when a peer answers, then its headers come back lower-cased beside the body', async () => {
    const view = await home.service.dids.create({ method: 'web', path: ['with-headers'] });

    const response = await fetchFromPeer(new URL(`${home.url}/with-headers/did.json`), 'a DID document', {
      egress: loopbackEgress(),
      fetchTimeoutMs: 5_000,
      allowHttpHosts: ['127.0.0.1'],
      accept: 'application/did+json',
      maxBytes: 64 * 1024,
    });

    expect(response.headers['content-type']).toBe('application/did+json');
    expect(response.contentType).toBe('application/did+json');
    expect(JSON.parse(response.body).id).toBe(view.did);
  });
});

describe('did:web updates', () => {
  it('when the key is rotated, then the earlier key stays an assertion key until it is retired, and only the new one signs', async () => {
    const oldSeed = randomBytes(32);
    const created = await home.service.dids.create({ method: 'web', path: ['rotating'], seedHex: oldSeed.toString('hex') });
    const before = await home.service.credentials.issue({ issuerDid: created.did, subjectDid: 'did:example:holder', credentialType: 'MembershipCredential', claims: { level: 'gold' } });
    expect((await home.service.credentials.verify({ vcJwt: before.vcJwt })).valid).toBe(true);

    const rotated = await home.service.dids.update(created.did, { rotateKey: true });

    expect(rotated.keyId).not.toBe(created.keyId);
    expect(rotated.document.verificationMethod?.map((m) => m.id)).toEqual([rotated.keyId, created.keyId]);
    expect(rotated.document.assertionMethod).toEqual([rotated.keyId, created.keyId]);
    // Only the current key authenticates: the earlier one vouches for what it signed, nothing else.
    expect(rotated.document.authentication).toEqual([rotated.keyId]);
    // What the earlier key signed still verifies, here and for another host reading the document.
    expect(await home.service.credentials.verify({ vcJwt: before.vcJwt })).toMatchObject({ valid: true, error: null });
    expect(await other.service.credentials.verify({ vcJwt: before.vcJwt })).toMatchObject({ valid: true, error: null });

    const after = await home.service.credentials.issue({ issuerDid: created.did, subjectDid: 'did:example:holder', credentialType: 'MembershipCredential', claims: { level: 'gold' } });
    expect(decodeParts(after.vcJwt).header.kid).toBe(rotated.keyId);
    expect(await other.service.credentials.verify({ vcJwt: after.vcJwt })).toMatchObject({ valid: true, error: null });

    // The current key cannot be retired; the earlier one can, by its fragment, and then nothing it signed verifies.
    await expect(home.service.dids.update(created.did, { retireKeys: [rotated.keyId] })).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'retireKeys', message: expect.stringMatching(/cannot retire the current key/) }],
    });
    const retired = await home.service.dids.update(created.did, { retireKeys: [`#${created.keyId.split('#')[1]}`, '#z6MkNotAKeyOfThisDid'] });
    expect(retired.document.verificationMethod?.map((m) => m.id)).toEqual([rotated.keyId]);
    expect(retired.document.assertionMethod).toEqual([rotated.keyId]);
    // Someone still holding the retired key signs a credential after the retirement.
    const forged = await createVerifiableCredentialJwt(
      {
        sub: 'did:example:holder',
        nbf: Math.floor(Date.now() / 1000),
        vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential'], credentialSubject: { level: 'platinum' } },
      },
      { did: created.did, signer: EdDSASigner(oldSeed), alg: 'EdDSA' },
      { header: { kid: created.keyId, alg: 'EdDSA' } },
    );
    for (const vcJwt of [before.vcJwt, forged]) {
      expect(await home.service.credentials.verify({ vcJwt })).toMatchObject({ valid: false, error: 'bad_signature', claims: null });
      expect(await other.service.credentials.verify({ vcJwt })).toMatchObject({ valid: false, error: 'bad_signature' });
    }
    expect(await home.service.credentials.verify({ vcJwt: after.vcJwt })).toMatchObject({ valid: true, error: null });
  });

  it('when a compromised key is rotated and retired in one update, then nothing it signed verifies from then on', async () => {
    const created = await home.service.dids.create({ method: 'web', path: ['compromised'] });
    const signed = await home.service.credentials.issue({ issuerDid: created.did, subjectDid: 'did:example:holder', credentialType: 'MembershipCredential', claims: {} });

    const replaced = await home.service.dids.update(created.did, { rotateKey: true, retireKeys: [created.keyId] });

    expect(replaced.document.verificationMethod?.map((m) => m.id)).toEqual([replaced.keyId]);
    expect(await home.service.credentials.verify({ vcJwt: signed.vcJwt })).toMatchObject({ valid: false, error: 'bad_signature' });
  });

  it('when a did:web already lists 20 earlier keys, then another rotation is refused until one is retired', async () => {
    const created = await home.service.dids.create({ method: 'web', path: ['many-keys'] });
    for (let i = 0; i < 20; i++) await home.service.dids.update(created.did, { rotateKey: true });
    const full = await home.service.dids.resolve(created.did);
    expect(full.didDocument.verificationMethod).toHaveLength(21);

    await expect(home.service.dids.update(created.did, { rotateKey: true })).rejects.toMatchObject({ code: 'too_many_keys', status: 409 });
    expect((await home.service.dids.resolve(created.did)).didDocument).toEqual(full.didDocument);
    const oldest = full.didDocument.verificationMethod?.at(-1)?.id as string;
    const again = await home.service.dids.update(created.did, { rotateKey: true, retireKeys: [oldest] });
    expect(again.document.verificationMethod).toHaveLength(21);
    expect(again.document.verificationMethod?.map((m) => m.id)).not.toContain(oldest);
  });

  it('when services are added and removed, then the served document follows, and re-adding an id replaces it', async () => {
    const { did } = await home.service.dids.create({ method: 'web', path: ['services'] });

    await home.service.dids.update(did, {
      addServices: [
        { id: '#hub', type: 'Hub', serviceEndpoint: 'https://hub.example/' },
        { id: 'inbox', type: 'Inbox', serviceEndpoint: { uri: 'https://inbox.example/' } },
      ],
    });
    const replaced = await home.service.dids.update(did, {
      removeServices: [`${did}#inbox`, '#never-there'],
      addServices: [{ id: '#hub', type: 'Hub', serviceEndpoint: 'https://hub2.example/' }],
    });

    expect(replaced.services).toEqual([{ id: `${did}#hub`, type: 'Hub', serviceEndpoint: 'https://hub2.example/' }]);
    expect(((await get(`${home.url}/services/did.json`)).body as { service: unknown }).service).toEqual(replaced.services);
    expect((await other.service.dids.resolve(did)).didDocument.service).toEqual(replaced.services);
  });

  it('when an update asks for nothing, names a service of another DID, or targets a DID vcq does not host, then it is refused', async () => {
    const { did } = await home.service.dids.create({ method: 'web', path: ['refusals'] });

    await expect(home.service.dids.update(did, {})).rejects.toMatchObject({ status: 400 });
    await expect(home.service.dids.update(did, { removeServices: ['did:web:elsewhere.example#hub'] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ field: 'removeServices' })],
    });
    await expect(other.service.dids.update(did, { rotateKey: true })).rejects.toBeInstanceOf(NotFoundError);
    await expect(home.service.dids.update(`did:web:${encodedHost(home.host)}:nobody`, { rotateKey: true })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('did:web deactivation', () => {
  it('when a did:web is deactivated, then it resolves as deactivated, serves no keys, and can neither issue nor vouch for what it issued', async () => {
    const { did } = await home.service.dids.create({ method: 'web', path: ['retiring'] });
    const earlier = await home.service.credentials.issue({ issuerDid: did, subjectDid: 'did:example:holder', credentialType: 'EmployeeCredential', claims: {} });

    const view = await home.service.dids.deactivate(did);
    const again = await home.service.dids.deactivate(did);

    expect(view.status).toBe('deactivated');
    expect(again).toEqual(view);
    const resolution = await home.service.dids.resolve(did);
    expect(resolution.didDocumentMetadata).toMatchObject({ deactivated: true, updated: view.updatedAt });
    expect(resolution.didDocument).toEqual({ '@context': ['https://www.w3.org/ns/did/v1'], id: did });
    // The did:web method: a deactivated DID's document is taken down; 410 says for good.
    expect((await get(`${home.url}/retiring/did.json`)).status).toBe(410);
    await expect(home.service.dids.webDocument(['retiring'])).rejects.toMatchObject({ status: 410, code: 'did_deactivated' });
    // Another resolver reads the 410 as deactivation.
    expect((await other.service.dids.resolve(did)).didDocumentMetadata).toEqual({ deactivated: true });

    await expect(home.service.dids.update(did, { rotateKey: true })).rejects.toMatchObject({ code: 'did_deactivated', status: 409 });
    await expect(
      home.service.credentials.issue({ issuerDid: did, subjectDid: 'did:example:holder', credentialType: 'EmployeeCredential', claims: {} }),
    ).rejects.toMatchObject({ code: 'issuer_deactivated' });
    expect(await home.service.credentials.verify({ vcJwt: earlier.vcJwt })).toMatchObject({ valid: false, error: 'unknown_issuer' });
    expect(await other.service.credentials.verify({ vcJwt: earlier.vcJwt })).toMatchObject({ valid: false, error: 'unknown_issuer' });
  });
});

describe('private keys at rest', () => {
  it('when DIDs are created from known keys and rotated, then no table holds any of them in plaintext, while a planted copy is found', async () => {
    const seeds = [randomBytes(32), randomBytes(32), randomBytes(32)];
    await home.service.dids.create({ method: 'key', seedHex: seeds[0]!.toString('hex') });
    const web = await home.service.dids.create({ method: 'web', path: ['at-rest'], seedHex: seeds[1]!.toString('hex') });
    const jwkPublic = (await home.service.dids.create({ method: 'key', seedHex: seeds[2]!.toString('hex') })).publicKeyJwk;
    await home.service.dids.create({
      method: 'key',
      privateKeyJwk: { kty: 'OKP', crv: 'Ed25519', d: seeds[2]!.toString('base64url'), x: jwkPublic.x },
    });
    await home.service.credentials.issue({ issuerDid: web.did, subjectDid: 'did:example:holder', credentialType: 'KeyCheck', claims: {} });
    await home.service.dids.update(web.did, { rotateKey: true });

    for (const seed of seeds) expect(await findKeyMaterial(home.db, seed)).toEqual([]);

    // The scan itself works: a careless copy of a seed (here in a status list row) is found.
    const canary = randomBytes(32);
    await home.db.statusList.create({ data: { id: 'canary', issuer: `x${canary.toString('base64')}x`, bits: new Uint8Array(1), size: 8 } });
    expect(await findKeyMaterial(home.db, canary)).toEqual(['status_lists']);
  });

  it('when the key-encryption key is not the one that sealed the keys, then signing fails permanently rather than with a wrong key', async () => {
    const { did } = await home.service.dids.create({ method: 'key' });
    const misconfigured = home.withDeps({ keyEncryptionKey: randomBytes(32) });

    const attempt = misconfigured.credentials.issue({ issuerDid: did, subjectDid: 'did:example:holder', credentialType: 'KeyCheck', claims: {} });

    await expect(attempt).rejects.toBeInstanceOf(PermanentJobError);
    await expect(attempt).rejects.toMatchObject({ code: 'key_unavailable', status: 500 });
  });

  it('when a sealed key is copied onto another DID row, then it does not open there', async () => {
    const a = await home.service.dids.create({ method: 'web', path: ['copy-a'] });
    const b = await home.service.dids.create({ method: 'web', path: ['copy-b'] });
    const { encryptedKey } = (await home.db.did.findUnique({ where: { did: a.did } }))!;
    await home.db.did.update({ where: { did: b.did }, data: { encryptedKey } });

    await expect(
      home.service.credentials.issue({ issuerDid: b.did, subjectDid: 'did:example:holder', credentialType: 'KeyCheck', claims: {} }),
    ).rejects.toMatchObject({ code: 'key_unavailable' });
  });
});
