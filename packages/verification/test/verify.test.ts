import { randomUUID } from 'node:crypto';
import { createEgressClient } from '@vcq/egress';
import { UpstreamError, ValidationError } from '@vcq/errors';
import {
  type EvmAccount,
  type EvmNode,
  type IpfsGateway,
  type ManifestServer,
  makeManifest,
  sha256Hex,
  startEvmNode,
  startIpfsGateway,
  startManifestServer,
  type TestManifest,
} from '@vcq/testing';
import { type Address, type Hex, zeroAddress, zeroHash } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type VerificationContext, type VerificationInput, type Verifier } from '../src/index.js';

let node: EvmNode;
let registry: Address;
let server: ManifestServer;
let gateway: IpfsGateway;
let verifier: Verifier;
let creator: EvmAccount;
let stranger: EvmAccount;

const NOW = new Date('2025-06-01T12:00:00.000Z');

beforeAll(async () => {
  [node, server, gateway] = await Promise.all([startEvmNode(), startManifestServer(), startIpfsGateway()]);
  registry = await node.deployRegistry();
  [creator, stranger] = node.accounts as [EvmAccount, EvmAccount];
  verifier = createVerifier({
    egress: createEgressClient({ allowPrivateHosts: ['127.0.0.1'], timeoutMs: 2_000, maxBytes: 64 * 1024 }),
    rpcUrl: node.url,
    ipfsGatewayUrl: gateway.url,
    fetchTimeoutMs: 2_000,
    maxManifestBytes: 64 * 1024,
    now: () => NOW,
  });
});

afterAll(async () => {
  await Promise.all([node?.close(), server?.close(), gateway?.close()]);
});

/** Records progress so tests can assert its order. */
function recordingContext(): VerificationContext & { seen: number[] } {
  const seen: number[] = [];
  return { seen, progress: (n) => seen.push(n) };
}

interface PublishOptions {
  /** Who signs the manifest; the creator unless given. */
  signer?: EvmAccount;
  /** The hash the manifest claims; the file's own unless given. */
  manifestHash?: Hex;
  /** The URI stored on chain; the served one unless given, `null` to skip registering. */
  onchainUri?: string | null;
  manifest?: Partial<TestManifest>;
}

/** Publishes a fresh file the way a creator would: manifest on a host, hash on chain. */
async function publish(options: PublishOptions = {}) {
  const fileHash = sha256Hex(`file ${randomUUID()}`);
  const manifest = {
    ...(await makeManifest({
      contentHash: options.manifestHash ?? fileHash,
      account: options.signer ?? creator,
      chainId: node.chainId,
    })),
    ...options.manifest,
  };
  const path = `/manifests/${fileHash.slice(2, 18)}.json`;
  server.put(path, manifest);
  const manifestUri = `${server.url}${path}`;

  const onchainUri = options.onchainUri === undefined ? manifestUri : options.onchainUri;
  const mined = onchainUri === null ? null : await node.register(registry, fileHash, onchainUri, creator);

  const input: VerificationInput = { contentHash: fileHash, registryAddress: registry, manifestUri };
  return { input, manifest, mined, path };
}

describe('verify', () => {
  it('when manifest, signer and on-chain entry all agree, then the status is OK', async () => {
    const { input } = await publish();

    const result = await verifier.verify(input, recordingContext());

    expect(result).toEqual({
      status: 'OK',
      fileHash: input.contentHash,
      recovered: creator.address,
      onchain: { registered: true, contentHash: input.contentHash, creator: creator.address, timestamp: expect.any(Number), manifestURI: input.manifestUri },
      checks: { manifestHashOk: true, creatorOk: true, manifestOk: true },
    });
  });

  it('when the on-chain manifest URI differs from the submitted one, then the status is WARN', async () => {
    const { input } = await publish({ onchainUri: 'https://elsewhere.example/manifest.json' });

    const result = await verifier.verify(input, recordingContext());

    expect(result.status).toBe('WARN');
    expect(result.checks).toEqual({ manifestHashOk: true, creatorOk: true, manifestOk: false });
  });

  it('when someone other than the registrant signed the manifest, then the status is FAIL', async () => {
    const { input } = await publish({ signer: stranger });

    const result = await verifier.verify(input, recordingContext());

    expect(result.status).toBe('FAIL');
    expect(result.recovered).toBe(stranger.address);
    expect(result.checks.creatorOk).toBe(false);
  });

  it('when the hash was never registered, then the status is FAIL and onchain says so', async () => {
    const { input } = await publish({ onchainUri: null });

    const result = await verifier.verify(input, recordingContext());

    expect(result.status).toBe('FAIL');
    expect(result.onchain).toEqual({ registered: false, contentHash: zeroHash, creator: zeroAddress, timestamp: 0, manifestURI: '' });
    expect(result.checks).toEqual({ manifestHashOk: true, creatorOk: false, manifestOk: false });
  });

  it('when the manifest describes a different file, then the status is FAIL', async () => {
    const { input } = await publish({ manifestHash: sha256Hex('some other file') });

    const result = await verifier.verify(input, recordingContext());

    expect(result.status).toBe('FAIL');
    expect(result.checks).toEqual({ manifestHashOk: false, creatorOk: true, manifestOk: true });
  });

  it('when the file hash differs only in letter case, then the manifest hash still matches', async () => {
    const { input } = await publish();

    const shouted = `0x${input.contentHash.slice(2).toUpperCase()}` as Hex;

    const result = await verifier.verify({ ...input, contentHash: shouted }, recordingContext());

    expect(result.status).toBe('OK');
  });

  it('when the signature is malformed, then recovered is null and the status is FAIL', async () => {
    const { input } = await publish({ manifest: { signature: '0x1234' } });

    const result = await verifier.verify(input, recordingContext());

    expect(result.recovered).toBeNull();
    expect(result.checks.creatorOk).toBe(false);
    expect(result.status).toBe('FAIL');
  });

  it('when the manifest lives on IPFS, then it is fetched through the gateway', async () => {
    const cid = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
    const fileHash = sha256Hex(`ipfs file ${randomUUID()}`);
    const manifestPath = `${fileHash.slice(2, 10)}/manifest.json`;
    const manifestUri = `ipfs://${cid}/${manifestPath}`;
    gateway.add(cid, manifestPath, await makeManifest({ contentHash: fileHash, account: creator, chainId: node.chainId }));
    await node.register(registry, fileHash, manifestUri, creator);

    const result = await verifier.verify({ contentHash: fileHash, registryAddress: registry, manifestUri }, recordingContext());

    expect(result.status).toBe('OK');
    expect(gateway.hits(`/ipfs/${cid}/${manifestPath}`)).toBe(1);
  });

  it('when verification runs, then progress goes 10, 30, 50, 70, 90', async () => {
    const { input } = await publish();
    const ctx = recordingContext();

    await verifier.verify(input, ctx);

    expect(ctx.seen).toEqual([10, 30, 50, 70, 90]);
  });

  it('when a progress update fails, then the verification still completes', async () => {
    const { input } = await publish();
    const warnings: string[] = [];
    const ctx: VerificationContext = {
      progress: () => Promise.reject(new Error('store down')),
      log: { info: () => undefined, debug: () => undefined, warn: (_obj, msg) => warnings.push(msg ?? '') },
    };

    await expect(verifier.verify(input, ctx)).resolves.toMatchObject({ status: 'OK' });
    expect(warnings).toContain('progress update failed');
  });

  it('when the same input is verified twice, then both results are equal', async () => {
    const { input } = await publish();

    const first = await verifier.verify(input, recordingContext());
    const second = await verifier.verify(input, recordingContext());

    expect(second).toEqual(first);
  });

  it('when the manifest host answers 500, then verify rejects with an UpstreamError', async () => {
    const { input, path } = await publish();
    server.fail(path, 500);

    await expect(verifier.verify(input, recordingContext())).rejects.toBeInstanceOf(UpstreamError);
  });

  it('when the manifest URI has an unsupported scheme, then verify rejects with a ValidationError', async () => {
    const { input } = await publish();

    await expect(
      verifier.verify({ ...input, manifestUri: 'ftp://example.com/manifest.json' }, recordingContext()),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('when the content hash is malformed, then verify rejects with a ValidationError naming it', async () => {
    const { input } = await publish();

    const error = await verifier.verify({ ...input, contentHash: '0xabc' }, recordingContext()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors?.map((e) => e.field)).toEqual(['contentHash']);
  });
});

describe('proof', () => {
  it('when the hash is registered, then the proof carries the registering tx hash and block', async () => {
    const { input, manifest, mined } = await publish();
    const ctx = recordingContext();

    const proof = await verifier.proof({ ...input, fileName: 'photo.jpg' }, ctx);

    // Internet ID's field names beside vcq's camelCase ones.
    expect(proof).toEqual({
      version: '1.0',
      generated_at: NOW.toISOString(),
      generatedAt: NOW.toISOString(),
      network: { chainId: 31337 },
      registry,
      content: { file: 'photo.jpg', hash: input.contentHash, uri: manifest.content_uri },
      manifest: {
        uri: input.manifestUri,
        creator_did: manifest.creator_did,
        signature: manifest.signature,
        creatorDid: manifest.creator_did,
        createdAt: manifest.created_at,
      },
      onchain: { registered: true, contentHash: input.contentHash, creator: creator.address, timestamp: expect.any(Number), manifestURI: input.manifestUri },
      signature: { recovered: creator.address, valid: true },
      tx: { txHash: mined?.txHash, hash: mined?.txHash, blockNumber: Number(mined?.blockNumber) },
      verification: {
        fileHashMatchesManifest: true,
        creatorMatchesOnchain: true,
        manifestURIMatchesOnchain: true,
        status: 'OK',
        checks: { manifestHashOk: true, creatorOk: true, manifestOk: true },
      },
    });
    expect(ctx.seen).toEqual([10, 30, 50, 70, 90]);
  });

  it('when the proof is JSON-encoded, then nothing is lost (no bigints)', async () => {
    const { input } = await publish();

    const proof = await verifier.proof(input, recordingContext());

    expect(JSON.parse(JSON.stringify(proof))).toEqual(proof);
  });

  it('when the hash was never registered, then tx is null and the verification FAILs', async () => {
    const { input } = await publish({ onchainUri: null });

    const proof = await verifier.proof(input, recordingContext());

    expect(proof.tx).toBeNull();
    expect(proof.signature).toEqual({ recovered: creator.address, valid: false });
    expect(proof.verification.status).toBe('FAIL');
  });

  it('when the signer is not the registrant, then the signature is not valid', async () => {
    const { input } = await publish({ signer: stranger });

    const proof = await verifier.proof(input, recordingContext());

    expect(proof.signature).toEqual({ recovered: stranger.address, valid: false });
    expect(proof.tx).not.toBeNull();
  });
});
