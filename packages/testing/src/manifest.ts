import { createHash } from 'node:crypto';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

export interface MakeManifestOptions {
  /** The file's SHA-256 as 0x + 64 hex; the signature covers its 32 raw bytes. */
  contentHash: Hex;
  /** Who signs: a private key, or an account such as `EvmNode.accounts[i]`. */
  account: Hex | { privateKey: Hex };
  chainId: number;
  contentUri?: string;
  createdAt?: Date;
}

/** The manifest document as vcq reads it (snake_case, as published). */
export interface TestManifest {
  version: '1.0';
  algorithm: 'sha256';
  content_hash: Hex;
  content_uri: string;
  creator_did: string;
  created_at: string;
  signature: Hex;
  attestations: unknown[];
}

/** Builds a manifest signed (EIP-191 personal_sign over the raw hash bytes) by `account`. */
export async function makeManifest(options: MakeManifestOptions): Promise<TestManifest> {
  const privateKey = typeof options.account === 'string' ? options.account : options.account.privateKey;
  const signer = privateKeyToAccount(privateKey);
  return {
    version: '1.0',
    algorithm: 'sha256',
    content_hash: options.contentHash,
    content_uri: options.contentUri ?? `https://content.example/${options.contentHash.slice(2)}`,
    creator_did: `did:pkh:eip155:${options.chainId}:${signer.address}`,
    created_at: (options.createdAt ?? new Date()).toISOString(),
    signature: await signer.signMessage({ message: { raw: options.contentHash } }),
    attestations: [],
  };
}

/** SHA-256 of some content as 0x-prefixed hex, the way vcq hashes an upload. */
export function sha256Hex(content: string | Uint8Array): Hex {
  return `0x${createHash('sha256').update(content).digest('hex')}`;
}
