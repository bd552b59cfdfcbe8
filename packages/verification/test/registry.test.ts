import { randomUUID } from 'node:crypto';
import { PermanentJobError, UpstreamError } from '@vcq/errors';
import { type EvmNode, listenOnLoopback, sha256Hex, startEvmNode } from '@vcq/testing';
import { type Address, createPublicClient, http, zeroAddress, zeroHash } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRegistrationTx, readEntry } from '../src/index.js';

let node: EvmNode;
let registry: Address;
let client: ReturnType<typeof clientFor>;

function clientFor(url: string) {
  return createPublicClient({ transport: http(url, { retryCount: 0 }) });
}

beforeAll(async () => {
  node = await startEvmNode();
  registry = await node.deployRegistry();
  client = clientFor(node.url);
});

afterAll(async () => {
  await node?.close();
});

describe('readEntry', () => {
  it('when the hash is registered, then creator, timestamp and manifest URI come back', async () => {
    const hash = sha256Hex(randomUUID());
    const account = node.accounts[1];
    await node.register(registry, hash, 'https://m.example/1.json', account);

    const entry = await readEntry(client, registry, hash);

    expect(entry).toEqual({
      registered: true,
      contentHash: hash,
      creator: account?.address,
      timestamp: expect.any(Number),
      manifestURI: 'https://m.example/1.json',
    });
    expect(entry.timestamp).toBeGreaterThan(1_600_000_000);
  });

  it('when the hash is not registered, then registered is false and creator is the zero address', async () => {
    const entry = await readEntry(client, registry, sha256Hex(randomUUID()));
    expect(entry).toEqual({ registered: false, contentHash: zeroHash, creator: zeroAddress, timestamp: 0, manifestURI: '' });
  });

  it('when no contract lives at the address, then it fails permanently', async () => {
    const nobody = node.accounts[4]?.address as Address;
    await expect(readEntry(client, nobody, sha256Hex('x'))).rejects.toBeInstanceOf(PermanentJobError);
  });

  it('when the RPC node is unreachable, then it is an UpstreamError', async () => {
    const closed = await listenOnLoopback((_req, res) => res.end());
    await closed.close();
    await expect(readEntry(clientFor(closed.url), registry, sha256Hex('x'))).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('findRegistrationTx', () => {
  it('when the hash is registered, then the ContentRegistered log gives its tx and block', async () => {
    const hash = sha256Hex(randomUUID());
    await node.register(registry, sha256Hex(randomUUID()), 'ipfs://other');
    const mined = await node.register(registry, hash, 'ipfs://mine', node.accounts[2]);

    expect(await findRegistrationTx(client, registry, hash, 0n)).toEqual({
      hash: mined.txHash,
      blockNumber: mined.blockNumber,
      creator: node.accounts[2]?.address,
    });
  });

  it('when the hash was never registered, then it returns null', async () => {
    expect(await findRegistrationTx(client, registry, sha256Hex(randomUUID()))).toBeNull();
  });

  it('when the RPC node is unreachable, then it is an UpstreamError', async () => {
    const closed = await listenOnLoopback((_req, res) => res.end());
    await closed.close();
    await expect(findRegistrationTx(clientFor(closed.url), registry, sha256Hex('x'))).rejects.toBeInstanceOf(UpstreamError);
  });
});
