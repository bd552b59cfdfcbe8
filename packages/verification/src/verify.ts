import type { EgressClient } from '@vcq/egress';
import { UpstreamError, ValidationError } from '@vcq/errors';
import { type Address, BaseError, createPublicClient, getAddress, type Hex, http, recoverMessageAddress } from 'viem';
import { z } from 'zod';
import { fetchManifest, type Manifest } from './manifest.js';
import { findRegistrationTx, type OnchainEntry, readEntry } from './registry.js';

export const VerificationInputSchema = z.object({
  contentHash: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, { message: 'must be 0x followed by 64 hex digits' })
    .transform((v) => v.toLowerCase() as Hex),
  registryAddress: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, { message: 'must be 0x followed by 40 hex digits' })
    .transform((v) => getAddress(v.toLowerCase())),
  manifestUri: z.string().min(1, { message: 'is required' }),
  /** The uploaded file's name, a label for the proof's `content.file`. */
  fileName: z.string().max(1024).optional(),
});
export type VerificationInput = z.infer<typeof VerificationInputSchema>;

export interface VerifierDeps {
  /** Manifests are fetched through it (the RPC node is the operator's and is not). */
  egress: EgressClient;
  rpcUrl: string;
  ipfsGatewayUrl: string;
  fetchTimeoutMs: number;
  maxManifestBytes: number;
  /** First block searched for ContentRegistered logs; the registry's deployment block keeps the search short. */
  registryFromBlock?: bigint;
  /** Per-request RPC timeout; `fetchTimeoutMs` unless given. */
  rpcTimeoutMs?: number;
  /** Clock for a proof's `generatedAt`. */
  now?: () => Date;
}

export interface VerificationLogger {
  info(obj: object, msg?: string): unknown;
  warn(obj: object, msg?: string): unknown;
  debug(obj: object, msg?: string): unknown;
}

export interface VerificationContext {
  /** Percent done; the platform writes 100 itself when the job completes. */
  progress(n: number): unknown;
  signal?: AbortSignal;
  log?: VerificationLogger;
}

export type VerificationStatus = 'OK' | 'WARN' | 'FAIL';

export interface VerificationChecks {
  /** The manifest describes the uploaded file. */
  manifestHashOk: boolean;
  /** The manifest's signer is the account that registered the hash on chain. */
  creatorOk: boolean;
  /** The registry points at the manifest the caller submitted. */
  manifestOk: boolean;
}

export interface VerifyResult {
  status: VerificationStatus;
  fileHash: Hex;
  recovered: Address | null;
  onchain: OnchainEntry;
  checks: VerificationChecks;
}

/** Internet ID's names for the three checks, as its proof documents carry them. */
export interface ProofChecks {
  fileHashMatchesManifest: boolean;
  creatorMatchesOnchain: boolean;
  manifestURIMatchesOnchain: boolean;
}

/**
 * A proof document. It carries Internet ID's field names (`generated_at`,
 * `content.file`, `manifest.creator_did`, `manifest.signature`, `tx.txHash`, the
 * `verification` booleans), so its clients read vcq's proofs unchanged, and beside
 * them vcq's camelCase names, which vcq's own clients read.
 */
export interface ProofResult {
  version: '1.0';
  generated_at: string;
  generatedAt: string;
  network: { chainId: number };
  registry: Address;
  /** `file` is the uploaded file's name, `unknown` when none was given. */
  content: { file: string; hash: Hex; uri: string };
  manifest: { uri: string; creator_did: string; signature: Hex; creatorDid: string; createdAt: string };
  onchain: OnchainEntry;
  signature: { recovered: Address | null; valid: boolean };
  tx: { txHash: Hex; hash: Hex; blockNumber: number } | null;
  verification: ProofChecks & { status: VerificationStatus; checks: VerificationChecks };
}

export interface Verifier {
  /** Checks a file hash against its manifest and the on-chain registry. */
  verify(input: VerificationInput, ctx: VerificationContext): Promise<VerifyResult>;
  /** Like `verify`, plus the registering transaction and network, as a portable proof document. */
  proof(input: VerificationInput, ctx: VerificationContext): Promise<ProofResult>;
}

/** Builds a verifier sharing one RPC client; both operations only read, so retries are safe. */
export function createVerifier(deps: VerifierDeps): Verifier {
  const client = createPublicClient({
    // Retries belong to the job (with backoff), not to each RPC call.
    transport: http(deps.rpcUrl, { batch: true, retryCount: 0, timeout: deps.rpcTimeoutMs ?? deps.fetchTimeoutMs }),
  });

  let chainId: Promise<number> | undefined;
  const readChainId = (): Promise<number> => {
    chainId ??= client.getChainId().catch((error: unknown) => {
      chainId = undefined;
      const detail = error instanceof BaseError ? error.shortMessage : String(error);
      throw new UpstreamError(`RPC failed while reading the chain id: ${detail}`, { cause: error });
    });
    return chainId;
  };

  /** The steps both operations share, up to a recovered signer (progress 10, 30, 50). */
  async function inspectManifest(rawInput: VerificationInput, ctx: VerificationContext) {
    const input = parseInput(rawInput);
    const progress = progressReporter(ctx);
    progress(10);
    const manifest = await fetchManifest(input.manifestUri, deps, ctx.signal);
    progress(30);
    const recovered = await recoverSigner(manifest);
    if (recovered === null) ctx.log?.debug({ manifestUri: input.manifestUri }, 'manifest signature does not recover');
    progress(50);
    ctx.signal?.throwIfAborted();
    return { input, manifest, recovered, progress };
  }

  return {
    async verify(rawInput, ctx) {
      const { input, manifest, recovered, progress } = await inspectManifest(rawInput, ctx);
      const onchain = await readEntry(client, input.registryAddress, input.contentHash);
      progress(70);
      const { status, checks } = evaluate(input, manifest, recovered, onchain);
      progress(90);
      ctx.log?.info({ status, checks, contentHash: input.contentHash }, 'verification finished');
      return { status, fileHash: input.contentHash, recovered, onchain, checks };
    },

    async proof(rawInput, ctx) {
      const { input, manifest, recovered, progress } = await inspectManifest(rawInput, ctx);
      const [onchain, registration, network] = await Promise.all([
        readEntry(client, input.registryAddress, input.contentHash),
        findRegistrationTx(client, input.registryAddress, input.contentHash, deps.registryFromBlock ?? 0n),
        readChainId(),
      ]);
      progress(70);
      if (onchain.registered && registration === null) {
        ctx.log?.warn(
          { contentHash: input.contentHash, fromBlock: String(deps.registryFromBlock ?? 0n) },
          'hash is registered but no ContentRegistered log was found; is registryFromBlock too high?',
        );
      }
      const { status, checks } = evaluate(input, manifest, recovered, onchain);
      progress(90);
      ctx.log?.info({ status, checks, contentHash: input.contentHash }, 'proof generated');
      const generatedAt = (deps.now?.() ?? new Date()).toISOString();
      return {
        version: '1.0',
        generated_at: generatedAt,
        generatedAt,
        network: { chainId: network },
        registry: input.registryAddress,
        content: { file: input.fileName || 'unknown', hash: input.contentHash, uri: manifest.content_uri },
        manifest: {
          uri: input.manifestUri,
          creator_did: manifest.creator_did,
          signature: manifest.signature,
          creatorDid: manifest.creator_did,
          createdAt: manifest.created_at,
        },
        onchain,
        signature: { recovered, valid: checks.creatorOk },
        tx: registration ? { txHash: registration.hash, hash: registration.hash, blockNumber: Number(registration.blockNumber) } : null,
        verification: {
          fileHashMatchesManifest: checks.manifestHashOk,
          creatorMatchesOnchain: checks.creatorOk,
          manifestURIMatchesOnchain: checks.manifestOk,
          status,
          checks,
        },
      };
    },
  };
}

function parseInput(input: VerificationInput): VerificationInput {
  const parsed = VerificationInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw ValidationError.fromZod(parsed.error, 'Invalid verification input', { fallbackField: '', detail: true });
}

/** The manifest's signer, or null when the signature is malformed or does not recover. */
async function recoverSigner(manifest: Manifest): Promise<Address | null> {
  try {
    return await recoverMessageAddress({ message: { raw: manifest.content_hash }, signature: manifest.signature });
  } catch {
    return null;
  }
}

function evaluate(
  input: VerificationInput,
  manifest: Manifest,
  recovered: Address | null,
  onchain: OnchainEntry,
): { status: VerificationStatus; checks: VerificationChecks } {
  const checks: VerificationChecks = {
    manifestHashOk: manifest.content_hash.toLowerCase() === input.contentHash.toLowerCase(),
    creatorOk: onchain.registered && recovered !== null && recovered.toLowerCase() === onchain.creator.toLowerCase(),
    manifestOk: onchain.registered && onchain.manifestURI === input.manifestUri,
  };
  const status: VerificationStatus =
    checks.manifestHashOk && checks.creatorOk ? (checks.manifestOk ? 'OK' : 'WARN') : 'FAIL';
  return { status, checks };
}

/**
 * Progress is advisory: a failed progress write is logged, never allowed to fail the
 * verification, and never awaited so a slow store does not slow the job.
 */
function progressReporter(ctx: VerificationContext): (n: number) => void {
  const warn = (error: unknown, n: number) => ctx.log?.warn({ err: error, progress: n }, 'progress update failed');
  return (n) => {
    try {
      const pending = ctx.progress(n);
      if (pending instanceof Promise) pending.catch((error: unknown) => warn(error, n));
    } catch (error) {
      warn(error, n);
    }
  };
}
