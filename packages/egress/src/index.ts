export { type AddressKind, classifyAddress } from './address-ranges.js';
export {
  type CheckDestinationOptions,
  createEgressClient,
  type EgressClient,
  type EgressClientOptions,
  type EgressLogger,
  type EgressRequestOptions,
  type EgressResponse,
  type HostResolver,
} from './client.js';
export { describeNetworkError, type EgressFailure, EgressRefusedError, EgressTooLargeError, EgressUnreachableError } from './errors.js';
export { hostListMatches } from './host-list.js';
