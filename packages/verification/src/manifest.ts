import { PermanentJobError, UpstreamError } from '@vcq/errors';
import { readCappedBody } from '@vcq/http';
import type { Hex } from 'viem';
import { z } from 'zod';
import { resolveManifestUrl } from './manifest-uri.js';

const HEX = /^0x[0-9a-fA-F]+$/;
const DID_PKH_EIP155 = /^did:pkh:eip155:[1-9][0-9]*:0x[0-9a-fA-F]{40}$/;

export const ManifestSchema = z.object({
  version: z.string().min(1),
  algorithm: z.literal('sha256'),
  content_hash: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, { message: 'must be 0x followed by 64 hex digits' })
    .transform((v) => v as Hex),
  content_uri: z.string().min(1),
  creator_did: z.string().regex(DID_PKH_EIP155, { message: 'must be did:pkh:eip155:<chainId>:<address>' }),
  created_at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }),
  // Only the shape is checked here: a signature that does not recover is a verification
  // outcome (recovered: null), not a malformed manifest.
  signature: z
    .string()
    .regex(HEX, { message: 'must be 0x-prefixed hex' })
    .transform((v) => v as Hex),
  attestations: z.array(z.unknown()).default([]),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export interface ManifestFetchDeps {
  ipfsGatewayUrl: string;
  fetchTimeoutMs: number;
  maxManifestBytes: number;
}

/**
 * Fetches and validates a manifest. Peer trouble (network, timeout, non-2xx) is an
 * UpstreamError so the job retries; a body that can never be a manifest (too big, not
 * JSON, wrong shape) is a PermanentJobError. An abort of `signal` rejects with its reason.
 */
export async function fetchManifest(uri: string, deps: ManifestFetchDeps, signal?: AbortSignal): Promise<Manifest> {
  const url = resolveManifestUrl(uri, deps.ipfsGatewayUrl);
  signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(deps.fetchTimeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;

  const failure = (error: unknown, phase: 'fetching' | 'reading'): never => {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) {
      throw new UpstreamError(`Timed out after ${deps.fetchTimeoutMs} ms ${phase} manifest ${uri}`, { cause: error });
    }
    // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, ENOTFOUND...) in the cause.
    const detail = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new UpstreamError(`Failed ${phase} manifest ${uri}: ${detail}`, { cause: error });
  };

  let response: Response;
  try {
    response = await fetch(url, { signal: combined, redirect: 'follow', headers: { accept: 'application/json' } });
  } catch (error) {
    return failure(error, 'fetching');
  }

  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new UpstreamError(`Manifest host answered ${response.status} for ${uri}`, {
      extensions: { manifestUri: uri, upstreamStatus: response.status },
    });
  }

  let bytes: Uint8Array | null;
  try {
    bytes = await readCappedBody(response, deps.maxManifestBytes);
  } catch (error) {
    return failure(error, 'reading');
  }
  if (!bytes) throw tooLarge(uri, deps.maxManifestBytes);

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new PermanentJobError(`Manifest ${uri} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
      code: 'manifest_invalid',
    });
  }

  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({
      field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)',
      message: issue.message,
    }));
    throw new PermanentJobError(
      `Manifest ${uri} does not match the manifest schema: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
      { code: 'manifest_invalid', errors },
    );
  }
  return parsed.data;
}

function tooLarge(uri: string, limit: number): PermanentJobError {
  return new PermanentJobError(`Manifest ${uri} is larger than the ${limit}-byte limit`, { code: 'manifest_too_large' });
}
