import type { Verifier } from '@vcq/verification';
import type { Handlers } from './processor.js';

export interface HandlerDeps {
  verifier: Verifier;
}

/** The handler for every job in the catalog, wired to its domain package. */
export function createHandlers(deps: HandlerDeps): Handlers {
  return {
    verify: (data, ctx) =>
      deps.verifier.verify(
        { contentHash: data.contentHash as `0x${string}`, registryAddress: data.registryAddress as `0x${string}`, manifestUri: data.manifestUri },
        ctx,
      ),
    proof: (data, ctx) =>
      deps.verifier.proof(
        { contentHash: data.contentHash as `0x${string}`, registryAddress: data.registryAddress as `0x${string}`, manifestUri: data.manifestUri },
        ctx,
      ),
  };
}
