import { recoverMessageAddress } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { makeManifest, sha256Hex } from '../src/index.js';

const privateKey = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

describe('makeManifest', () => {
  it('when a manifest is made, then its signature recovers to the signing account', async () => {
    const contentHash = sha256Hex('some file');
    const manifest = await makeManifest({ contentHash, account: privateKey, chainId: 31337 });
    const address = privateKeyToAddress(privateKey);

    expect(manifest).toMatchObject({
      version: '1.0',
      algorithm: 'sha256',
      content_hash: contentHash,
      creator_did: `did:pkh:eip155:31337:${address}`,
      attestations: [],
    });
    expect(await recoverMessageAddress({ message: { raw: contentHash }, signature: manifest.signature })).toBe(address);
  });

  it('when an account object and content URI are given, then they are used', async () => {
    const manifest = await makeManifest({
      contentHash: sha256Hex('x'),
      account: { privateKey },
      chainId: 1,
      contentUri: 'ipfs://bafy/content.bin',
      createdAt: new Date('2024-01-02T03:04:05.000Z'),
    });
    expect(manifest.content_uri).toBe('ipfs://bafy/content.bin');
    expect(manifest.created_at).toBe('2024-01-02T03:04:05.000Z');
    expect(manifest.creator_did.startsWith('did:pkh:eip155:1:0x')).toBe(true);
  });
});

describe('sha256Hex', () => {
  it('when given "abc", then it returns the FIPS 180-2 test vector', () => {
    expect(sha256Hex('abc')).toBe('0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
