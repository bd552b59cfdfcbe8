import { type Block, createBlock } from '@ethereumjs/block';
import { type Common, createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common';
import { createFeeMarket1559Tx, type FeeMarket1559Tx } from '@ethereumjs/tx';
import { bytesToHex, createAccount, createAddressFromString, hexToBytes } from '@ethereumjs/util';
import { buildBlock, createVM, type RunTxResult, type VM } from '@ethereumjs/vm';
import {
  type Abi,
  type Address,
  decodeErrorResult,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  type Hex,
  keccak256,
  stringToHex,
} from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { compileContentRegistry } from './content-registry.js';
import { JsonRpcError, RpcErrorCode, type RpcMethods, startJsonRpcServer } from './json-rpc-server.js';

export interface EvmAccount {
  address: Address;
  privateKey: Hex;
}

export interface MinedTransaction {
  txHash: Hex;
  blockNumber: bigint;
}

export interface EvmNode {
  /** JSON-RPC endpoint, for viem's `http()` transport or the app's `RPC_URL`. */
  url: string;
  chainId: number;
  /** Funded accounts; the first is the default sender. */
  accounts: EvmAccount[];
  /** Deploys a fresh ContentRegistry and returns its address. */
  deployRegistry(account?: EvmAccount): Promise<Address>;
  /** Calls `register` in its own block; rejects (after mining the failed tx) if it reverts. */
  register(registry: Address, contentHash: Hex, manifestURI: string, account?: EvmAccount): Promise<MinedTransaction>;
  close(): Promise<void>;
}

const CHAIN_ID = 31337;
const ACCOUNT_COUNT = 5;
const ACCOUNT_BALANCE = 10_000n * 10n ** 18n;
const BLOCK_GAS_LIMIT = 30_000_000n;
const TX_GAS_LIMIT = 3_000_000n;
const INITIAL_BASE_FEE = 1_000_000_000n;
// Comfortably above any base fee this chain reaches: blocks stay under the gas target, so it only falls.
const MAX_FEE_PER_GAS = 10_000_000_000n;
const MAX_PRIORITY_FEE_PER_GAS = 1_000_000_000n;
const COINBASE = createAddressFromString(`0x${'c0'.repeat(20)}`);

interface StoredLog {
  address: Address;
  topics: Hex[];
  data: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  transactionHash: Hex;
  transactionIndex: number;
  logIndex: number;
}

interface StoredTx {
  tx: FeeMarket1559Tx;
  hash: Hex;
  from: Address;
  block: Block;
  index: number;
  result: RunTxResult;
  contractAddress: Address | null;
  logs: StoredLog[];
}

/** Starts an in-process EVM (chain id 31337) behind a JSON-RPC server on 127.0.0.1. */
export async function startEvmNode(): Promise<EvmNode> {
  const accounts = Array.from({ length: ACCOUNT_COUNT }, (_, i) => testAccount(i));
  const chain = await DevChain.create(accounts);
  const server = await startJsonRpcServer(chain.rpcMethods());
  const defaultAccount = accounts[0] as EvmAccount;

  return {
    url: server.url,
    chainId: CHAIN_ID,
    accounts,
    async deployRegistry(account = defaultAccount) {
      const { abi, bytecode } = await compileContentRegistry();
      const mined = await chain.mine(account, undefined, encodeDeployData({ abi, bytecode }));
      const failure = mined.result.execResult.exceptionError;
      if (failure || !mined.contractAddress) {
        throw new Error(`ContentRegistry deployment failed in tx ${mined.hash}: ${failure?.error ?? 'no contract address'}`);
      }
      return mined.contractAddress;
    },
    async register(registry, contentHash, manifestURI, account = defaultAccount) {
      const { abi } = await compileContentRegistry();
      const data = encodeFunctionData({ abi, functionName: 'register', args: [contentHash, manifestURI] });
      const mined = await chain.mine(account, registry, data);
      if (mined.result.execResult.exceptionError) {
        const reason = describeRevert(abi, bytesToHex(mined.result.execResult.returnValue));
        throw new Error(`register(${contentHash}) reverted in tx ${mined.hash}: ${reason}`);
      }
      return { txHash: mined.hash, blockNumber: mined.block.header.number };
    },
    close: () => server.close(),
  };
}

/** Deterministic keys, so a failing test shows the same addresses on every run. */
function testAccount(index: number): EvmAccount {
  const privateKey = keccak256(stringToHex(`vcq evm-node test account ${index}`));
  return { address: privateKeyToAddress(privateKey), privateKey };
}

function describeRevert(abi: Abi, data: Hex): string {
  try {
    const decoded = decodeErrorResult({ abi, data });
    return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(', ')})`;
  } catch {
    return data === '0x' ? 'reverted without data' : `revert data ${data}`;
  }
}

/**
 * The chain itself: one VM, every transaction mined into its own block, and the blocks,
 * receipts and logs kept in memory so the RPC methods can answer from them.
 */
class DevChain {
  private readonly blocks: Block[];
  private readonly blocksByHash = new Map<string, Block>();
  private readonly txs = new Map<string, StoredTx>();
  private readonly logs: StoredLog[] = [];
  // Mining and state reads share one VM; running them one at a time keeps a read from
  // seeing a half-built block's checkpointed state.
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly vm: VM,
    private readonly common: Common,
    genesis: Block,
  ) {
    this.blocks = [genesis];
    this.blocksByHash.set(bytesToHex(genesis.hash()), genesis);
  }

  static async create(accounts: EvmAccount[]): Promise<DevChain> {
    const common = createCustomCommon({ chainId: CHAIN_ID }, Mainnet, { hardfork: Hardfork.Cancun });
    const vm = await createVM({ common });
    await vm.stateManager.checkpoint();
    for (const account of accounts) {
      await vm.stateManager.putAccount(
        createAddressFromString(account.address),
        createAccount({ nonce: 0n, balance: ACCOUNT_BALANCE }),
      );
    }
    await vm.stateManager.commit();
    const genesis = createBlock(
      {
        header: {
          number: 0n,
          gasLimit: BLOCK_GAS_LIMIT,
          baseFeePerGas: INITIAL_BASE_FEE,
          timestamp: BigInt(Math.floor(Date.now() / 1000)),
          stateRoot: await vm.stateManager.getStateRoot(),
        },
      },
      { common },
    );
    return new DevChain(vm, common, genesis);
  }

  private get head(): Block {
    return this.blocks[this.blocks.length - 1] as Block;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Signs a transaction from `account` and mines it alone into a new block. */
  mine(account: EvmAccount, to: Address | undefined, data: Hex): Promise<StoredTx> {
    return this.exclusive(async () => {
      const sender = createAddressFromString(account.address);
      const nonce = (await this.vm.stateManager.getAccount(sender))?.nonce ?? 0n;
      const tx = createFeeMarket1559Tx(
        {
          chainId: BigInt(CHAIN_ID),
          nonce,
          maxFeePerGas: MAX_FEE_PER_GAS,
          maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
          gasLimit: TX_GAS_LIMIT,
          to,
          data,
          value: 0n,
        },
        { common: this.common },
      ).sign(hexToBytes(account.privateKey));

      const parent = this.head;
      const builder = await buildBlock(this.vm, {
        parentBlock: parent,
        headerData: { timestamp: nextTimestamp(parent), coinbase: COINBASE },
      });
      let result: RunTxResult;
      try {
        result = await builder.addTransaction(tx);
      } catch (error) {
        await builder.revert();
        throw error;
      }
      const { block } = await builder.build();
      return this.store(block, tx, result, account.address);
    });
  }

  private store(block: Block, tx: FeeMarket1559Tx, result: RunTxResult, from: Address): StoredTx {
    const blockHash = bytesToHex(block.hash());
    const hash = bytesToHex(tx.hash());
    const logs = result.receipt.logs.map(
      ([address, topics, data], logIndex): StoredLog => ({
        address: getAddress(bytesToHex(address)),
        topics: topics.map((topic) => bytesToHex(topic)),
        data: bytesToHex(data),
        blockNumber: block.header.number,
        blockHash,
        transactionHash: hash,
        transactionIndex: 0,
        logIndex,
      }),
    );
    const stored: StoredTx = {
      tx,
      hash,
      from: getAddress(from),
      block,
      index: 0,
      result,
      contractAddress: result.createdAddress ? getAddress(result.createdAddress.toString()) : null,
      logs,
    };
    this.blocks.push(block);
    this.blocksByHash.set(blockHash, block);
    this.txs.set(hash, stored);
    this.logs.push(...logs);
    return stored;
  }

  /** Runs `fn` against a throwaway copy of the state as of `block`, so calls never change the chain. */
  private withStateAt<T>(block: Block, fn: (vm: VM) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const vm = await this.vm.shallowCopy();
      await vm.stateManager.setStateRoot(block.header.stateRoot);
      return fn(vm);
    });
  }

  private blockNumberOf(tag: unknown, name = 'block'): bigint {
    if (tag === undefined || tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized') {
      return this.head.header.number;
    }
    if (tag === 'earliest') return 0n;
    if (typeof tag === 'string' && /^0x[0-9a-fA-F]+$/.test(tag)) return BigInt(tag);
    throw new JsonRpcError(
      RpcErrorCode.InvalidParams,
      `invalid ${name}: expected a block tag or hex quantity, got ${JSON.stringify(tag)}`,
    );
  }

  private existingBlock(tag: unknown): Block {
    const block = this.blocks[Number(this.blockNumberOf(tag))];
    if (!block) throw new JsonRpcError(-32000, 'header not found');
    return block;
  }

  rpcMethods(): RpcMethods {
    return {
      web3_clientVersion: () => 'vcq-evm-node/1.0',
      eth_chainId: () => quantity(CHAIN_ID),
      net_version: () => String(CHAIN_ID),
      eth_blockNumber: () => quantity(this.head.header.number),
      eth_gasPrice: () => quantity((this.head.header.baseFeePerGas ?? 0n) + MAX_PRIORITY_FEE_PER_GAS),
      eth_getBalance: ([address, tag]) =>
        this.withStateAt(this.existingBlock(tag), async (vm) =>
          quantity((await vm.stateManager.getAccount(createAddressFromString(addressParam(address))))?.balance ?? 0n),
        ),
      eth_getTransactionCount: ([address, tag]) =>
        this.withStateAt(this.existingBlock(tag), async (vm) =>
          quantity((await vm.stateManager.getAccount(createAddressFromString(addressParam(address))))?.nonce ?? 0n),
        ),
      eth_getCode: ([address, tag]) =>
        this.withStateAt(this.existingBlock(tag), async (vm) =>
          bytesToHex(await vm.stateManager.getCode(createAddressFromString(addressParam(address)))),
        ),
      eth_call: ([call, tag]) => this.call(call, tag),
      eth_getLogs: ([filter]) => this.getLogs(filter),
      eth_getBlockByNumber: ([tag, full]) => {
        const block = this.blocks[Number(this.blockNumberOf(tag))];
        return block ? this.formatBlock(block, full === true) : null;
      },
      eth_getBlockByHash: ([hash, full]) => {
        const block = this.blocksByHash.get(hexParam(hash, 'block hash').toLowerCase());
        return block ? this.formatBlock(block, full === true) : null;
      },
      eth_getTransactionByHash: ([hash]) => {
        const stored = this.txs.get(hexParam(hash, 'transaction hash').toLowerCase());
        return stored ? formatTransaction(stored) : null;
      },
      eth_getTransactionReceipt: ([hash]) => {
        const stored = this.txs.get(hexParam(hash, 'transaction hash').toLowerCase());
        return stored ? formatReceipt(stored) : null;
      },
    };
  }

  private async call(call: unknown, tag: unknown): Promise<Hex> {
    if (typeof call !== 'object' || call === null) {
      throw new JsonRpcError(RpcErrorCode.InvalidParams, 'eth_call expects a call object');
    }
    const { from, to, data, input, gas, value } = call as Record<string, unknown>;
    if (to === undefined || to === null) {
      throw new JsonRpcError(RpcErrorCode.InvalidParams, 'eth_call without "to" is not supported');
    }
    const caller = createAddressFromString(from === undefined ? `0x${'00'.repeat(20)}` : addressParam(from));
    const block = this.existingBlock(tag);
    const { execResult } = await this.withStateAt(block, (vm) =>
      vm.evm.runCall({
        block,
        caller,
        origin: caller,
        to: createAddressFromString(addressParam(to)),
        data: hexToBytes(hexParam(input ?? data ?? '0x', 'data')),
        gasLimit: gas === undefined ? BLOCK_GAS_LIMIT : BigInt(hexParam(gas, 'gas')),
        value: value === undefined ? 0n : BigInt(hexParam(value, 'value')),
      }),
    );
    if (execResult.exceptionError) {
      throw new JsonRpcError(
        RpcErrorCode.ExecutionReverted,
        `execution reverted: ${execResult.exceptionError.error}`,
        bytesToHex(execResult.returnValue),
      );
    }
    return bytesToHex(execResult.returnValue);
  }

  private getLogs(filter: unknown): unknown[] {
    if (typeof filter !== 'object' || filter === null) {
      throw new JsonRpcError(RpcErrorCode.InvalidParams, 'eth_getLogs expects a filter object');
    }
    const { address, topics, fromBlock, toBlock, blockHash } = filter as Record<string, unknown>;

    let from: bigint;
    let to: bigint;
    if (blockHash !== undefined) {
      const block = this.blocksByHash.get(hexParam(blockHash, 'blockHash').toLowerCase());
      if (!block) throw new JsonRpcError(-32000, 'unknown block');
      from = to = block.header.number;
    } else {
      from = this.blockNumberOf(fromBlock ?? 'latest', 'fromBlock');
      to = this.blockNumberOf(toBlock ?? 'latest', 'toBlock');
    }

    const addresses =
      address === undefined || address === null ? null : listParam(address).map((a) => addressParam(a).toLowerCase());
    const topicFilter = topicsParam(topics);

    return this.logs
      .filter(
        (log) =>
          log.blockNumber >= from &&
          log.blockNumber <= to &&
          (addresses === null || addresses.includes(log.address.toLowerCase())) &&
          topicFilter.every((wanted, i) => wanted === null || wanted.includes(log.topics[i]?.toLowerCase() ?? '')),
      )
      .map(formatLog);
  }

  private formatBlock(block: Block, fullTransactions: boolean): Record<string, unknown> {
    const h = block.header;
    const hashes = block.transactions.map((tx) => bytesToHex(tx.hash()));
    return {
      number: quantity(h.number),
      hash: bytesToHex(block.hash()),
      parentHash: bytesToHex(h.parentHash),
      nonce: bytesToHex(h.nonce),
      sha3Uncles: bytesToHex(h.uncleHash),
      logsBloom: bytesToHex(h.logsBloom),
      transactionsRoot: bytesToHex(h.transactionsTrie),
      stateRoot: bytesToHex(h.stateRoot),
      receiptsRoot: bytesToHex(h.receiptTrie),
      miner: h.coinbase.toString(),
      difficulty: quantity(h.difficulty),
      totalDifficulty: quantity(0),
      extraData: bytesToHex(h.extraData),
      size: quantity(block.serialize().length),
      gasLimit: quantity(h.gasLimit),
      gasUsed: quantity(h.gasUsed),
      timestamp: quantity(h.timestamp),
      mixHash: bytesToHex(h.mixHash),
      baseFeePerGas: h.baseFeePerGas === undefined ? undefined : quantity(h.baseFeePerGas),
      withdrawalsRoot: h.withdrawalsRoot === undefined ? undefined : bytesToHex(h.withdrawalsRoot),
      blobGasUsed: h.blobGasUsed === undefined ? undefined : quantity(h.blobGasUsed),
      excessBlobGas: h.excessBlobGas === undefined ? undefined : quantity(h.excessBlobGas),
      parentBeaconBlockRoot: h.parentBeaconBlockRoot === undefined ? undefined : bytesToHex(h.parentBeaconBlockRoot),
      withdrawals: [],
      uncles: [],
      transactions: fullTransactions
        ? hashes.map((hash) => formatTransaction(this.txs.get(hash) as StoredTx))
        : hashes,
    };
  }
}

function effectiveGasPrice(stored: StoredTx): bigint {
  const baseFee = stored.block.header.baseFeePerGas ?? 0n;
  const tip = minBigInt(stored.tx.maxPriorityFeePerGas, stored.tx.maxFeePerGas - baseFee);
  return baseFee + tip;
}

function formatTransaction(stored: StoredTx): Record<string, unknown> {
  const { tx } = stored;
  return {
    type: quantity(tx.type),
    hash: stored.hash,
    from: stored.from,
    to: tx.to ? getAddress(tx.to.toString()) : null,
    nonce: quantity(tx.nonce),
    gas: quantity(tx.gasLimit),
    gasPrice: quantity(effectiveGasPrice(stored)),
    maxFeePerGas: quantity(tx.maxFeePerGas),
    maxPriorityFeePerGas: quantity(tx.maxPriorityFeePerGas),
    value: quantity(tx.value),
    input: bytesToHex(tx.data),
    chainId: quantity(tx.chainId),
    accessList: tx.toJSON().accessList ?? [],
    v: quantity(tx.v ?? 0n),
    yParity: quantity(tx.v ?? 0n),
    r: quantity(tx.r ?? 0n),
    s: quantity(tx.s ?? 0n),
    blockHash: bytesToHex(stored.block.hash()),
    blockNumber: quantity(stored.block.header.number),
    transactionIndex: quantity(stored.index),
  };
}

function formatReceipt(stored: StoredTx): Record<string, unknown> {
  const { result } = stored;
  return {
    type: quantity(stored.tx.type),
    transactionHash: stored.hash,
    transactionIndex: quantity(stored.index),
    blockHash: bytesToHex(stored.block.hash()),
    blockNumber: quantity(stored.block.header.number),
    from: stored.from,
    to: stored.tx.to ? getAddress(stored.tx.to.toString()) : null,
    contractAddress: stored.contractAddress,
    cumulativeGasUsed: quantity(result.receipt.cumulativeBlockGasUsed),
    gasUsed: quantity(result.totalGasSpent),
    effectiveGasPrice: quantity(effectiveGasPrice(stored)),
    logs: stored.logs.map(formatLog),
    logsBloom: bytesToHex(result.bloom.bitvector),
    status: result.execResult.exceptionError ? '0x0' : '0x1',
  };
}

function formatLog(log: StoredLog): Record<string, unknown> {
  return {
    address: log.address,
    topics: log.topics,
    data: log.data,
    blockNumber: quantity(log.blockNumber),
    blockHash: log.blockHash,
    transactionHash: log.transactionHash,
    transactionIndex: quantity(log.transactionIndex),
    logIndex: quantity(log.logIndex),
    removed: false,
  };
}

function quantity(value: bigint | number): Hex {
  return `0x${value.toString(16)}`;
}

/** Wall-clock seconds, but strictly after the parent even when many blocks are mined within one second. */
function nextTimestamp(parent: Block): bigint {
  const now = BigInt(Math.floor(Date.now() / 1000));
  return now > parent.header.timestamp ? now : parent.header.timestamp + 1n;
}

function minBigInt(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function hexParam(value: unknown, name: string): Hex {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]*$/.test(value)) {
    throw new JsonRpcError(
      RpcErrorCode.InvalidParams,
      `invalid ${name}: expected 0x-prefixed hex, got ${JSON.stringify(value)}`,
    );
  }
  return value as Hex;
}

function addressParam(value: unknown): Address {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new JsonRpcError(RpcErrorCode.InvalidParams, `invalid address: ${JSON.stringify(value)}`);
  }
  return value as Address;
}

function listParam(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** Normalises a topics filter: `null` matches anything, a list matches any of its members. */
function topicsParam(topics: unknown): (string[] | null)[] {
  if (topics === undefined || topics === null) return [];
  if (!Array.isArray(topics)) throw new JsonRpcError(RpcErrorCode.InvalidParams, 'topics must be an array');
  return topics.map((position) =>
    position === null ? null : listParam(position).map((topic) => hexParam(topic, 'topic').toLowerCase()),
  );
}
