import { type EgressClient, type EgressResponse, EgressTooLargeError } from '@vcq/egress';
import { fieldErrorsFromZod, formatFieldErrors, PermanentJobError, UpstreamError } from '@vcq/errors';
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
  /** The process's egress client: every manifest fetch (http(s) and the gateway) goes through it. */
  egress: EgressClient;
  ipfsGatewayUrl: string;
  fetchTimeoutMs: number;
  maxManifestBytes: number;
}

/**
 * Fetches and validates a manifest. Peer trouble (network, timeout, non-2xx) is an
 * UpstreamError so the job retries; a destination the egress policy refuses, or a
 * body that can never be a manifest (too big, not JSON, wrong shape), is a
 * PermanentJobError. An abort of `signal` rejects with its reason. No error repeats
 * what the host sent.
 */
export async function fetchManifest(uri: string, deps: ManifestFetchDeps, signal?: AbortSignal): Promise<Manifest> {
  const url = resolveManifestUrl(uri, deps.ipfsGatewayUrl);
  signal?.throwIfAborted();

  let response: EgressResponse;
  try {
    response = await deps.egress.request(url, {
      headers: { accept: 'application/json' },
      timeoutMs: deps.fetchTimeoutMs,
      maxBytes: deps.maxManifestBytes,
      what: `manifest ${uri}`,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error instanceof EgressTooLargeError) throw tooLarge(uri, deps.maxManifestBytes, error);
    throw error;
  }

  if (response.status < 200 || response.status >= 300) {
    throw new UpstreamError(`Manifest host answered ${response.status} for ${uri}`, {
      extensions: { manifestUri: uri, upstreamStatus: response.status },
    });
  }

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(response.body));
  } catch (error) {
    // Not the parser's message: it quotes the text it choked on.
    throw new PermanentJobError(`Manifest ${uri} is not valid JSON`, { cause: error, code: 'manifest_invalid' });
  }

  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const errors = fieldErrorsFromZod(parsed.error, { fallbackField: '(root)' });
    throw new PermanentJobError(`Manifest ${uri} does not match the manifest schema: ${formatFieldErrors(errors)}`, {
      code: 'manifest_invalid',
      errors,
    });
  }
  return parsed.data;
}

function tooLarge(uri: string, limit: number, cause: unknown): PermanentJobError {
  return new PermanentJobError(`Manifest ${uri} is larger than the ${limit}-byte limit`, { code: 'manifest_too_large', cause });
}
