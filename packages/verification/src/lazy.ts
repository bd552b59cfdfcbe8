/**
 * The verifier with viem imported at the first verification instead of at start-up: a
 * worker that only issues credentials never carries it (about 9 MiB of resident memory
 * and 7 MiB of heap at start, measured around the worker's import). Import this module (and manifest-uri.ts)
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
