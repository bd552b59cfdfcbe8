/**
 * The verifier with viem, the largest library vcq loads (about 30 MiB of a process's
 * memory), imported at the first verification instead of at start-up: a worker that
 * only issues credentials never carries it. Import this module (and manifest-uri.ts)
 * directly, not the package's index, which loads verify.ts and viem with it.
 */
import type { Verifier, VerifierDeps } from './verify.js';

export function createLazyVerifier(deps: VerifierDeps): Verifier {
  let made: Promise<Verifier> | undefined;
  const verifier = () => {
    made ??= import('./verify.js').then((module) => module.createVerifier(deps));
    return made;
  };
  return {
    verify: async (input, ctx) => (await verifier()).verify(input, ctx),
    proof: async (input, ctx) => (await verifier()).proof(input, ctx),
  };
}
