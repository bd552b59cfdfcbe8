import { type FieldError, ValidationError } from '@vcq/errors';
import { type Address, getAddress } from 'viem';
import { parseManifestUri } from './manifest-uri.js';

export interface VerificationFields {
  registryAddress: Address;
  manifestUri: string;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * Checks the form fields of a verify/proof request before a job is created, reporting
 * every bad or missing field at once; `registryAddress` falls back to the configured default.
 */
export function parseVerificationFields(
  fields: { registryAddress?: unknown; manifestURI?: unknown },
  defaults: { registryAddress?: string | undefined } = {},
): VerificationFields {
  const errors: FieldError[] = [];

  const given = blankToUndefined(fields.registryAddress);
  const registryAddress = given ?? blankToUndefined(defaults.registryAddress);
  if (registryAddress === undefined) {
    errors.push({ field: 'registryAddress', message: 'registryAddress is required (no default registry is configured)' });
  } else if (typeof registryAddress !== 'string' || !ADDRESS.test(registryAddress)) {
    errors.push({
      field: 'registryAddress',
      message:
        given === undefined
          ? 'the configured default registry address is not 0x followed by 40 hex digits'
          : 'registryAddress must be 0x followed by 40 hex digits',
    });
  }

  const manifestUri = blankToUndefined(fields.manifestURI);
  if (manifestUri === undefined) {
    errors.push({ field: 'manifestURI', message: 'manifestURI is required' });
  } else {
    try {
      parseManifestUri(typeof manifestUri === 'string' ? manifestUri.trim() : manifestUri);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push(...(error.errors ?? []));
    }
  }

  if (errors.length > 0) {
    throw new ValidationError(`Invalid verification request: ${errors.map((e) => e.message).join('; ')}`, errors);
  }
  return {
    // Lower-casing first makes getAddress checksum rather than reject a mis-cased address.
    registryAddress: getAddress((registryAddress as string).toLowerCase()),
    manifestUri: (manifestUri as string).trim(),
  };
}

function blankToUndefined(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.trim() === '') return undefined;
  return value;
}
