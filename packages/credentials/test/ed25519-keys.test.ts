/**
 * Ed25519 public keys vcq must refuse: the points whose order divides 8 (for which a
 * "signature" can be made without any private key) and encodings RFC 8032 does not
 * allow (y >= p, x = 0 with the sign bit set, y not on the curve). The forgeries here
 * are real: node:crypto alone accepts them.
 */
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DidKeyError, didKeyFromPublicKey } from '../src/index.js';
import { assertionKeys, type VerificationMethod } from '../src/did-document.js';
import { verifyEd25519 } from '../src/ed25519.js';
import { encodeEd25519Multikey } from '../src/multikey.js';
import { startVcqHost, type VcqHost } from './support.js';

// Every point whose order divides 8, in the encoding RFC 8032 requires (y < p, and
// the sign bit clear when x = 0).
const SMALL_ORDER_CANONICAL: Array<[string, string]> = [
  ['the identity (0, 1)', '0100000000000000000000000000000000000000000000000000000000000000'],
  ['the point of order 2 (0, -1)', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
  ['a point of order 4 (y = 0, x even)', '0000000000000000000000000000000000000000000000000000000000000000'],
  ['a point of order 4 (y = 0, x odd)', '0000000000000000000000000000000000000000000000000000000000000080'],
  ['a point of order 8 (1)', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'],
  ['a point of order 8 (2)', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa'],
  ['a point of order 8 (3)', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'],
  ['a point of order 8 (4)', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85'],
];

// The same small-order points spelled in ways RFC 8032 forbids.
const SMALL_ORDER_NON_CANONICAL: Array<[string, string]> = [
  ['the identity with the sign bit set (x = 0)', '0100000000000000000000000000000000000000000000000000000000000080'],
  ['the order-2 point with the sign bit set (x = 0)', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'],
  ['an order-4 point as y = p', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
  ['an order-4 point as y = p, sign bit set', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'],
  ['the identity as y = p + 1', 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
  ['the identity as y = p + 1, sign bit set', 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'],
];

// Not small-order, but still no valid public key.
const OTHER_INVALID: Array<[string, string]> = [
  ['a y that is on no point of the curve (y = 2)', '0200000000000000000000000000000000000000000000000000000000000000'],
  ['a large-order point spelled as y = p + 3', 'f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
];

const SMALL_ORDER = [...SMALL_ORDER_CANONICAL, ...SMALL_ORDER_NON_CANONICAL];
const IDENTITY = Buffer.from(SMALL_ORDER_CANONICAL[0]![1], 'hex');
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

let home: VcqHost;
let other: VcqHost;

beforeAll(async () => {
  home = await startVcqHost();
  other = await startVcqHost({ didWebAllowHttpHosts: [home.host] });
});

afterAll(async () => {
  await home?.close();
  await other?.close();
});

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/**
 * A VC-JWT "signed" for `publicKey` without any private key: R = identity, S = 0,
 * which satisfies [S]B = R + [k]A whenever [k]A is the identity. For a point of order
 * n that holds for one challenge k in n, so the payload's nonce is varied until it does.
 */
function forge(publicKey: Uint8Array, issuer: string, kid: string): string {
  const point = ed25519.Point.fromBytes(publicKey, true);
  for (let nonce = 0; ; nonce++) {
    const header = segment({ alg: 'EdDSA', typ: 'JWT', kid });
    const payload = segment({
      iss: issuer,
      sub: 'did:example:mallory',
      nbf: Math.floor(Date.now() / 1000) - 10,
      nonce,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'UniversityDegreeCredential'],
        credentialSubject: { degree: 'PhD, never studied' },
      },
    });
    const signingInput = Buffer.from(`${header}.${payload}`, 'ascii');
    const k = littleEndian(createHash('sha512').update(IDENTITY).update(publicKey).update(signingInput).digest()) % L;
    if (point.multiplyUnsafe(k).is0()) return `${header}.${payload}.${Buffer.concat([IDENTITY, Buffer.alloc(32)]).toString('base64url')}`;
  }
}

function nodeCryptoAccepts(publicKey: Uint8Array, jwt: string): boolean {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
    return nodeVerify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

describe('the did:key of a small-order point', () => {
  it('when a credential is forged for the did:key of the identity point (R = identity, S = 0), then node:crypto accepts it but vcq says unknown_issuer', async () => {
    const did = didKeyFromPublicKey(IDENTITY);
    const vcJwt = forge(IDENTITY, did, `${did}#${did.slice('did:key:'.length)}`);

    expect(nodeCryptoAccepts(IDENTITY, vcJwt)).toBe(true);
    expect(await home.service.credentials.verify({ vcJwt })).toEqual({
      valid: false,
      claims: null,
      issuer: did,
      subject: 'did:example:mallory',
      error: 'unknown_issuer',
    });
  });

  it.each(SMALL_ORDER)('when a credential is forged for the did:key of %s, then it is unknown_issuer and resolving that did:key is a 400', async (_, hex) => {
    const key = Buffer.from(hex, 'hex');
    const did = didKeyFromPublicKey(key);
    const vcJwt = forge(key, did, `${did}#${did.slice('did:key:'.length)}`);

    expect(await home.service.credentials.verify({ vcJwt })).toMatchObject({ valid: false, claims: null, error: 'unknown_issuer' });
    const resolving = home.service.dids.resolve(did);
    await expect(resolving).rejects.toBeInstanceOf(DidKeyError);
    // The did:key method's own error name for a key that is not a usable point.
    await expect(resolving).rejects.toMatchObject({
      status: 400,
      code: 'invalidPublicKey',
      errors: [{ field: 'did', message: expect.stringMatching(/is not a usable did:key: the key (is a small-order point|is not a canonical encoding)/) }],
    });
  });

  it.each(SMALL_ORDER_CANONICAL)('when the forgery for %s is checked by node:crypto alone, then it passes (the attack is real)', (_, hex) => {
    const key = Buffer.from(hex, 'hex');
    const did = didKeyFromPublicKey(key);

    expect(nodeCryptoAccepts(key, forge(key, did, `${did}#x`))).toBe(true);
  });

  it.each(OTHER_INVALID)('when resolving the did:key of %s, then an invalidPublicKey error names did', async (_, hex) => {
    const did = didKeyFromPublicKey(Buffer.from(hex, 'hex'));

    await expect(home.service.dids.resolve(did)).rejects.toMatchObject({
      status: 400,
      code: 'invalidPublicKey',
      errors: [{ field: 'did', message: expect.stringMatching(/is not a canonical encoding of a point on the curve/) }],
    });
  });

  it.each([...SMALL_ORDER, ...OTHER_INVALID])('when verifyEd25519 is given %s as the key, then it is false whatever the signature', (_, hex) => {
    const key = Buffer.from(hex, 'hex');
    const vcJwt = forge(SMALL_ORDER.some(([, h]) => h === hex) ? key : IDENTITY, 'did:example:x', 'did:example:x#k');
    const [header, payload, signature] = vcJwt.split('.') as [string, string, string];

    expect(verifyEd25519(key, Buffer.from(`${header}.${payload}`), Buffer.from(signature, 'base64url'))).toBe(false);
  });
});

describe('small-order keys in a did:web document', () => {
  const formats: Array<[string, (key: Buffer) => Omit<VerificationMethod, 'id' | 'controller'>]> = [
    ['Multikey publicKeyMultibase', (key) => ({ type: 'Multikey', publicKeyMultibase: encodeEd25519Multikey(key) })],
    ['Ed25519VerificationKey2020 publicKeyMultibase', (key) => ({ type: 'Ed25519VerificationKey2020', publicKeyMultibase: encodeEd25519Multikey(key) })],
    ['JsonWebKey2020 publicKeyJwk', (key) => ({ type: 'JsonWebKey2020', publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: key.toString('base64url') } })],
    ['Ed25519VerificationKey2018 publicKeyBase58', (key) => ({ type: 'Ed25519VerificationKey2018', publicKeyBase58: base58.encode(key) })],
  ];
  const keys = [SMALL_ORDER_CANONICAL[0]!, SMALL_ORDER_CANONICAL[4]!, SMALL_ORDER_NON_CANONICAL[0]!];
  const cases = formats.flatMap(([format, method]) => keys.map(([label, hex]) => [format, label, method, hex] as const));

  let documents = 0;

  it.each(cases)('when a did:web document lists its %s as %s, then the key is ignored and a forgery is bad_signature', async (_, __, method, hex) => {
    const key = Buffer.from(hex, 'hex');
    const path = ['small-order', String(++documents)];
    const { did } = await home.service.dids.create({ method: 'web', path });
    const kid = `${did}#planted`;
    const document = {
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: did,
      verificationMethod: [{ id: kid, controller: did, ...method(key) }],
      assertionMethod: [kid],
    };
    await home.db.did.update({ where: { did }, data: { document: document as never } });
    const vcJwt = forge(key, did, kid);

    // The key is dropped where documents are read, not only when a signature is checked.
    expect(assertionKeys(document)).toEqual([]);

    expect(await other.service.credentials.verify({ vcJwt })).toMatchObject({ valid: false, claims: null, error: 'bad_signature' });
    expect(home.requests).toContain(`/${path.join('/')}/did.json`);
  });
});

describe('imported private JWKs', () => {
  it.each([SMALL_ORDER_CANONICAL[0]!, SMALL_ORDER_NON_CANONICAL[0]!, OTHER_INVALID[0]!])('when an imported JWK has %s as x, then a ValidationError says x is not a valid Ed25519 public key', async (_, hex) => {
    const jwk = { kty: 'OKP' as const, crv: 'Ed25519' as const, d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', x: Buffer.from(hex, 'hex').toString('base64url') };

    await expect(home.service.dids.create({ method: 'key', privateKeyJwk: jwk })).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'privateKeyJwk.x', message: expect.stringMatching(/^is not a valid Ed25519 public key: /) }],
    });
  });
});
