import { randomUUID } from 'node:crypto';
import { type Abi, type Address, createPublicClient, encodeEventTopics, http, pad, parseAbiItem } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileContentRegistry, type EvmNode, sha256Hex, startEvmNode } from '../src/index.js';

const contentRegistered = parseAbiItem(
  'event ContentRegistered(bytes32 indexed contentHash, address indexed creator, string manifestURI, uint64 timestamp)',
);

let node: EvmNode;
let registry: Address;
let abi: Abi;
let client: ReturnType<typeof makeClient>;

function makeClient(url: string) {
  return createPublicClient({ transport: http(url) });
}

async function rpc(body: unknown): Promise<unknown> {
  const response = await fetch(node.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}

beforeAll(async () => {
  node = await startEvmNode();
  registry = await node.deployRegistry();
  abi = (await compileContentRegistry()).abi;
  client = makeClient(node.url);
});

afterAll(async () => {
  await node?.close();
});

describe('startEvmNode', () => {
  it('when viem asks for chain id and head, then it gets 31337 and the mined height', async () => {
    expect(await client.getChainId()).toBe(31337);
    expect(node.chainId).toBe(31337);
    expect(await client.getBlockNumber()).toBeGreaterThanOrEqual(1n);
    expect(await client.getBytecode({ address: registry })).toMatch(/^0x[0-9a-f]{10,}$/);
  });

  it('when a hash is registered, then viem reads the entry back from the registry', async () => {
    const hash = sha256Hex(randomUUID());
    const [creator] = node.accounts;
    await node.register(registry, hash, 'https://manifests.example/a.json');

    const [entryCreator, timestamp, manifestURI] = (await client.readContract({
      address: registry,
      abi,
      functionName: 'entries',
      args: [hash],
    })) as [Address, bigint, string];

    expect(entryCreator).toBe(creator?.address);
    expect(manifestURI).toBe('https://manifests.example/a.json');
    expect(timestamp).toBeGreaterThan(0n);
  });

  it('when each transaction is sent, then it is mined into its own new block', async () => {
    const first = await node.register(registry, sha256Hex(randomUUID()), 'ipfs://one');
    const second = await node.register(registry, sha256Hex(randomUUID()), 'ipfs://two');

    expect(second.blockNumber).toBe(first.blockNumber + 1n);
    const block = await client.getBlock({ blockNumber: second.blockNumber });
    expect(block.transactions).toEqual([second.txHash]);
    expect(block.parentHash).toBe((await client.getBlock({ blockNumber: first.blockNumber })).hash);
  });

  it('when logs are filtered by content hash, then getLogs returns the registering transaction', async () => {
    const hash = sha256Hex(randomUUID());
    await node.register(registry, sha256Hex(randomUUID()), 'ipfs://noise');
    const mined = await node.register(registry, hash, 'ipfs://wanted', node.accounts[1]);

    const logs = await client.getLogs({
      address: registry,
      event: contentRegistered,
      args: { contentHash: hash },
      fromBlock: 0n,
      toBlock: 'latest',
    });

    expect(logs).toHaveLength(1);
    expect(logs[0]?.transactionHash).toBe(mined.txHash);
    expect(logs[0]?.blockNumber).toBe(mined.blockNumber);
    expect(logs[0]?.args).toMatchObject({ contentHash: hash, creator: node.accounts[1]?.address, manifestURI: 'ipfs://wanted' });

    const receipt = await client.getTransactionReceipt({ hash: mined.txHash });
    expect(receipt).toMatchObject({ status: 'success', blockNumber: mined.blockNumber, from: node.accounts[1]?.address });
    const tx = await client.getTransaction({ hash: mined.txHash });
    expect(tx.blockHash).toBe(receipt.blockHash);
  });

  it('when getLogs uses a null wildcard and a creator topic, then only that creator\'s logs match', async () => {
    const account = node.accounts[3];
    const mined = await node.register(registry, sha256Hex(randomUUID()), 'ipfs://by-three', account);
    const [eventTopic] = encodeEventTopics({ abi: [contentRegistered], eventName: 'ContentRegistered' });

    const answer = (await rpc({
      jsonrpc: '2.0',
      id: 1,
      method: 'eth_getLogs',
      params: [{ address: registry, topics: [eventTopic, null, pad(account?.address as Address)], fromBlock: '0x0' }],
    })) as { result: { transactionHash: string }[] };

    expect(answer.result.map((log) => log.transactionHash)).toEqual([mined.txHash]);
  });

  it('when fromBlock is after the registration, then getLogs returns nothing for it', async () => {
    const hash = sha256Hex(randomUUID());
    const mined = await node.register(registry, hash, 'ipfs://early');

    const logs = await client.getLogs({
      address: registry,
      event: contentRegistered,
      args: { contentHash: hash },
      fromBlock: mined.blockNumber + 1n,
    });

    expect(logs).toEqual([]);
  });

  it('when a hash is registered twice, then the second registration is refused', async () => {
    const hash = sha256Hex(randomUUID());
    await node.register(registry, hash, 'ipfs://first');

    await expect(node.register(registry, hash, 'ipfs://second', node.accounts[2])).rejects.toThrow(/AlreadyRegistered/);
    const [, , manifestURI] = (await client.readContract({ address: registry, abi, functionName: 'entries', args: [hash] })) as [
      Address,
      bigint,
      string,
    ];
    expect(manifestURI).toBe('ipfs://first');
  });

  it('when a batch is sent, then every request gets its own answer', async () => {
    const answers = (await rpc([
      { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
      { jsonrpc: '2.0', id: 2, method: 'net_version' },
      { jsonrpc: '2.0', id: 3, method: 'eth_noSuchMethod' },
    ])) as { id: number; result?: unknown; error?: { code: number } }[];

    expect(answers).toEqual([
      { jsonrpc: '2.0', id: 1, result: '0x7a69' },
      { jsonrpc: '2.0', id: 2, result: '31337' },
      { jsonrpc: '2.0', id: 3, error: { code: -32601, message: expect.stringContaining('eth_noSuchMethod') } },
    ]);
  });

  it('when the body is not JSON, then the answer is a JSON-RPC parse error', async () => {
    const response = await fetch(node.url, { method: 'POST', body: '{not json' });
    expect(await response.json()).toMatchObject({ id: null, error: { code: -32700 } });
  });

  it('when a block past the head is asked for, then the answer is null', async () => {
    const head = await client.getBlockNumber();
    const answer = await rpc({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: [`0x${(head + 10n).toString(16)}`, false] });
    expect(answer).toEqual({ jsonrpc: '2.0', id: 1, result: null });
  });
});
