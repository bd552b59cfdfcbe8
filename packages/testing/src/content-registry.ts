import { readFile } from 'node:fs/promises';
import solc from 'solc';
import type { Abi, Hex } from 'viem';

export interface ContractArtifact {
  abi: Abi;
  bytecode: Hex;
}

/** The EVM version the contract is compiled for; evm-node runs the matching hardfork. */
export const EVM_VERSION = 'cancun';

const SOURCE_FILE = 'ContentRegistry.sol';
const SOURCE_URL = new URL(`../contracts/${SOURCE_FILE}`, import.meta.url);

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
}

let compiled: Promise<ContractArtifact> | undefined;

/** Compiles contracts/ContentRegistry.sol with solc-js, once per process. */
export function compileContentRegistry(): Promise<ContractArtifact> {
  compiled ??= compile().catch((error: unknown) => {
    // A failed compile should not poison every later test in the process.
    compiled = undefined;
    throw error;
  });
  return compiled;
}

async function compile(): Promise<ContractArtifact> {
  const source = await readFile(SOURCE_URL, 'utf8');
  const input = {
    language: 'Solidity',
    sources: { [SOURCE_FILE]: { content: source } },
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)) as string) as SolcOutput;

  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`ContentRegistry.sol does not compile:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  }
  const contract = output.contracts?.[SOURCE_FILE]?.ContentRegistry;
  if (!contract) throw new Error('solc produced no ContentRegistry contract');
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}
