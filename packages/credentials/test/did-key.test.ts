import { PermanentJobError, ValidationError } from '@vcq/errors';
import { base58 } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDidKeys, DidKeyError, didKeyFromPublicKey, publicKeyFromSeed } from '../src/index.js';
import { keyDidResolver, startVcqHost, type VcqHost } from './support.js';

// The did:key method specification's Ed25519 test vectors (test-vectors/ed25519-x25519.json
// of w3c-ccg/did-method-key): seed, the DID it derives, and the raw public key (base58).
const SPEC_VECTORS = [
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000000',
    did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp',
    publicKeyBase58: '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000001',
    did: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG',
    publicKeyBase58: '6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000002',
    did: 'did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf',
    publicKeyBase58: '8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000003',
    did: 'did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ',
    publicKeyBase58: 'HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000004',
    did: 'did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL',
    publicKeyBase58: 'J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x',
  },
];

// RFC 8037 appendix A.1: an Ed25519 private JWK.
const RFC8037_JWK = {
  kty: 'OKP' as const,
  crv: 'Ed25519' as const,
  d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
};

let vcq: VcqHost;

beforeAll(async () => {
  vcq = await startVcqHost();
});

afterAll(async () => {
  await vcq?.close();
});

describe('did:key derivation', () => {
  it.each(SPEC_VECTORS)('when the seed is $seed, then the DID and public key are the spec vector $did', ({ seed, did, publicKeyBase58 }) => {
    const publicKey = publicKeyFromSeed(Buffer.from(seed, 'hex'));

    expect(base58.encode(publicKey)).toBe(publicKeyBase58);
    expect(didKeyFromPublicKey(publicKey)).toBe(did);
  });

  it('when a spec seed is imported, then the created DID is the vector and its document comes from the DID alone', async () => {
    const [vector] = SPEC_VECTORS;
    const view = await vcq.service.dids.create({ method: 'key', seedHex: vector!.seed });

    expect(view.did).toBe(vector!.did);
    const fragment = vector!.did.slice('did:key:'.length);
    const keyId = `${vector!.did}#${fragment}`;
    expect(view.keyId).toBe(keyId);
    expect(view.document).toEqual({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: vector!.did,
      verificationMethod: [{ id: keyId, type: 'Multikey', controller: vector!.did, publicKeyMultibase: fragment }],
      authentication: [keyId],
      assertionMethod: [keyId],
      capabilityInvocation: [keyId],
      capabilityDelegation: [keyId],
    });
    expect(view.publicKeyJwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: Buffer.from(base58.decode(vector!.publicKeyBase58)).toString('base64url') });
  });

  it('when a did:key vcq never created is resolved, then the document is derived and matches an independent resolver', async () => {
    const vector = SPEC_VECTORS[3]!;

    const resolution = await vcq.service.dids.resolve(vector.did);
    const independent = await keyDidResolver().resolve(vector.did);

    expect(resolution.didDocumentMetadata).toEqual({});
    expect(resolution.didResolutionMetadata.contentType).toBe('application/did+ld+json');
    const ours = resolution.didDocument.verificationMethod?.[0];
    const theirs = independent.didDocument?.verificationMethod?.[0];
    expect(ours?.id).toBe(theirs?.id);
    expect(theirs?.publicKeyBase58).toBe(vector.publicKeyBase58);
    expect(resolution.didDocument.assertionMethod).toEqual(independent.didDocument?.assertionMethod);
  });

  it('when the same seed is imported twice, then the second call returns the same DID instead of failing', async () => {
    const vector = SPEC_VECTORS[1]!;
    const first = await vcq.service.dids.create({ method: 'key', seedHex: vector.seed });
    const second = await vcq.service.dids.create({ method: 'key', seedHex: vector.seed.toUpperCase() });

    expect(second).toEqual(first);
  });

  it('when no key is given, then a fresh Ed25519 did:key is made and the view holds no private key', async () => {
    const view = await vcq.service.dids.create({ method: 'key' });

    expect(view.did).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/);
    expect(view.status).toBe('active');
    const text = JSON.stringify(view);
    expect(text).not.toContain('encrypted');
    expect(text).not.toMatch(/"d"\s*:/);
    expect((await vcq.service.dids.resolve(view.did)).didDocument).toEqual(view.document);
  });

  it('when an Ed25519 private JWK is imported, then the DID is that of its public key x', async () => {
    const view = await vcq.service.dids.create({ method: 'key', privateKeyJwk: RFC8037_JWK });

    expect(view.publicKeyJwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: RFC8037_JWK.x });
    expect(view.did).toBe(didKeyFromPublicKey(Buffer.from(RFC8037_JWK.x, 'base64url')));
  });
});

describe('did:key input validation', () => {
  it.each([
    ['a seed of 63 hex characters', { method: 'key', seedHex: '0'.repeat(63) }, 'seedHex'],
    ['a seed that is not hex', { method: 'key', seedHex: 'zz'.repeat(32) }, 'seedHex'],
    ['a JWK on another curve', { method: 'key', privateKeyJwk: { ...RFC8037_JWK, crv: 'X25519' } }, 'privateKeyJwk.crv'],
    ['a JWK with a short d', { method: 'key', privateKeyJwk: { ...RFC8037_JWK, d: 'AAAA' } }, 'privateKeyJwk.d'],
    ['a JWK whose x is not the public key of d', { method: 'key', privateKeyJwk: { ...RFC8037_JWK, x: 'A'.repeat(43) } }, 'privateKeyJwk.x'],
    ['both a seed and a JWK', { method: 'key', seedHex: SPEC_VECTORS[0]!.seed, privateKeyJwk: RFC8037_JWK }, 'privateKeyJwk'],
    ['services on a did:key', { method: 'key', services: [{ id: '#hub', type: 'Hub', serviceEndpoint: 'https://hub.example' }] }, 'services'],
    ['an unknown method', { method: 'ethr' }, 'method'],
  ])('when creating with %s, then a ValidationError names %s', async (_, input, field) => {
    const attempt = vcq.service.dids.create(input as never);

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ status: 400, errors: [expect.objectContaining({ field })] });
  });

  it('when a bad seed is refused, then the error does not echo it', async () => {
    const secretish = 'f'.repeat(62);
    const error = await vcq.service.dids.create({ method: 'key', seedHex: secretish }).catch((e: unknown) => e);

    expect(JSON.stringify(error)).not.toContain(secretish);
    expect((error as Error).message).not.toContain(secretish);
  });

  it.each([
    ['not a DID', 'did-key-z6Mk'],
    ['a did:key with a bad base58 key', 'did:key:z6Mk0OIl'],
    ['a did:key of a secp256k1 key', 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'],
    ['an unsupported method', 'did:example:123456'],
  ])('when resolving %s, then a ValidationError names did', async (_, did) => {
    await expect(vcq.service.dids.resolve(did)).rejects.toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'did' })] });
  });
});

describe('did:key errors by the method\'s names', () => {
  const multikey = (...parts: Uint8Array[]) => `did:key:z${base58.encode(Buffer.concat(parts))}`;
  const ed25519Header = Uint8Array.of(0xed, 0x01);
  const goodKey = base58.decode(SPEC_VECTORS[1]!.publicKeyBase58);
  // y = 2 (little-endian): no x satisfies the curve equation for it, so it is no point at all.
  const offCurve = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 2 : 0));

  it.each([
    ['not multibase base58btc', 'did:key:m6MkiTBz1ymuepAQ', 'invalidDid'],
    ['not base58 at all', 'did:key:z6Mk0OIl', 'invalidDid'],
    ['a multicodec that names no key type', multikey(Uint8Array.of(0x01, 0x02), goodKey), 'invalidDid'],
    ['no multicodec (a varint that never ends)', multikey(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), 'invalidDid'],
    ['a secp256k1 key', 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme', 'unsupportedPublicKeyType'],
    ['a P-256 key', multikey(Uint8Array.of(0x80, 0x24), new Uint8Array(33).fill(2)), 'unsupportedPublicKeyType'],
    ['an Ed25519 key one byte short', multikey(ed25519Header, goodKey.subarray(1)), 'invalidPublicKeyLength'],
    ['an Ed25519 key with a byte too many', multikey(ed25519Header, goodKey, Uint8Array.of(0)), 'invalidPublicKeyLength'],
    ['an Ed25519 "key" that is not on the curve', multikey(ed25519Header, offCurve), 'invalidPublicKey'],
  ])('when a did:key holds %s, then it is %s, wherever it is named', async (_, did, code) => {
    await expect(vcq.service.dids.resolve(did)).rejects.toMatchObject({ status: 400, code, errors: [{ field: 'did' }] });
    expect(() => assertDidKeys({ subjectDid: did })).toThrow(DidKeyError);
    const refused = (() => {
      try {
        assertDidKeys({ issuerDid: SPEC_VECTORS[0]!.did, subjectDid: did });
        return null;
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toMatchObject({ status: 400, code, errors: [{ field: 'subjectDid', message: expect.stringMatching(/^is not/) }] });
    const issuer = await vcq.service.dids.create({ method: 'key' });
    await expect(
      vcq.service.credentials.issue({ issuerDid: issuer.did, subjectDid: did, credentialType: 'T', claims: {} }),
    ).rejects.toMatchObject({ status: 400, code, errors: [{ field: 'subjectDid' }] });
  });

  it('when every DID named is a usable did:key or another method, then nothing is refused', () => {
    expect(() => assertDidKeys({ issuerDid: SPEC_VECTORS[0]!.did, subjectDid: 'did:web:example.org', other: undefined })).not.toThrow();
  });
});

describe('did:key updates', () => {
  it('when a did:key is updated or deactivated, then it fails permanently because the method allows neither', async () => {
    const { did } = await vcq.service.dids.create({ method: 'key' });

    const update = vcq.service.dids.update(did, { rotateKey: true });
    const deactivate = vcq.service.dids.deactivate(did);

    await expect(update).rejects.toBeInstanceOf(PermanentJobError);
    await expect(update).rejects.toMatchObject({ code: 'did_method_immutable', status: 422 });
    await expect(deactivate).rejects.toMatchObject({ code: 'did_method_immutable', status: 422 });
    expect((await vcq.service.dids.resolve(did)).didDocumentMetadata.deactivated).toBeUndefined();
  });
});
