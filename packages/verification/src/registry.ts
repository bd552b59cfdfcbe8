import { PermanentJobError, UpstreamError } from '@vcq/errors';
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  getAbiItem,
  getAddress,
  type Hex,
  parseAbi,
  type PublicClient,
  zeroAddress,
  zeroHash,
} from 'viem';

/** The ContentRegistry interface vcq reads (see DESIGN.md, "Verification semantics"). */
export const contentRegistryAbi = parseAbi([
  'function entries(bytes32 contentHash) view returns (address creator, uint64 timestamp, string manifestURI)',
  'function register(bytes32 contentHash, string manifestURI)',
  'event ContentRegistered(bytes32 indexed contentHash, address indexed creator, string manifestURI, uint64 timestamp)',
]);

const contentRegisteredEvent = getAbiItem({ abi: contentRegistryAbi, name: 'ContentRegistered' });

export interface OnchainEntry {
  /** False when the registry holds nothing for the hash (creator is the zero address). */
  registered: boolean;
  /** The hash the entry is registered under; the zero hash when unregistered (Internet ID's registry entry field). */
  contentHash: Hex;
  creator: Address;
  /** Seconds since the epoch; 0 when unregistered. */
  timestamp: number;
  manifestURI: string;
}

export interface RegistrationTx {
  hash: Hex;
  blockNumber: bigint;
  creator: Address;
}

/** The reads this module needs; a viem PublicClient provides them. */
export type RegistryClient = Pick<PublicClient, 'readContract' | 'getLogs'>;

/** Reads the registry's entry for `contentHash`. */
export async function readEntry(client: RegistryClient, registry: Address, contentHash: Hex): Promise<OnchainEntry> {
  const [creator, timestamp, manifestURI] = await client
    .readContract({ address: registry, abi: contentRegistryAbi, functionName: 'entries', args: [contentHash] })
    .catch((error: unknown) => {
      throw rpcFailure(error, `reading entries(${contentHash}) from registry ${registry}`, registry);
    });
  const registered = creator.toLowerCase() !== zeroAddress;
  return {
    registered,
    contentHash: registered ? contentHash : zeroHash,
    creator: getAddress(creator),
    timestamp: Number(timestamp),
    manifestURI,
  };
}

/** Finds the transaction that registered `contentHash`, from its ContentRegistered log; null if none. */
export async function findRegistrationTx(
  client: RegistryClient,
  registry: Address,
  contentHash: Hex,
  fromBlock = 0n,
): Promise<RegistrationTx | null> {
  const logs = await client
    .getLogs({ address: registry, event: contentRegisteredEvent, args: { contentHash }, fromBlock, toBlock: 'latest' })
    .catch((error: unknown) => {
      throw rpcFailure(error, `reading ContentRegistered logs for ${contentHash} from registry ${registry}`, registry);
    });
  // The registry refuses re-registration, so the earliest log is the registration.
  for (const log of logs) {
    if (log.transactionHash && log.blockNumber !== null && log.args.creator) {
      return { hash: log.transactionHash, blockNumber: log.blockNumber, creator: getAddress(log.args.creator) };
    }
  }
  return null;
}

/**
 * Transport trouble retries; but an address without a registry (no code, or a revert)
 * stays wrong however often the job runs, so that one fails permanently.
 */
function rpcFailure(error: unknown, action: string, registry: Address): Error {
  const isContractProblem =
    error instanceof BaseError &&
    error.walk((e) => e instanceof ContractFunctionZeroDataError || e instanceof ContractFunctionRevertedError) !== null;
  if (isContractProblem) {
    return new PermanentJobError(`No ContentRegistry answers at ${registry} (${(error as BaseError).shortMessage})`, {
      cause: error,
      code: 'registry_not_found',
    });
  }
  const detail = error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return new UpstreamError(`RPC failed while ${action}: ${detail}`, { cause: error });
}
