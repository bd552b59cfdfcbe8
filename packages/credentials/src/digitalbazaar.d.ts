/**
 * The parts of the Digital Bazaar JSON-LD / Data Integrity libraries vcq calls
 * (they ship no types).
 */
declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, object>;
}
declare module '@digitalbazaar/data-integrity-context' {
  const value: { contexts: Map<string, object> };
  export default value;
}
declare module '@digitalbazaar/multikey-context' {
  const value: { contexts: Map<string, object> };
  export default value;
}
declare module 'did-context' {
  const value: { contexts: Map<string, object> };
  export default value;
}
declare module '@digitalbazaar/vc-bitstring-status-list-context' {
  export const contexts: Map<string, object>;
}

declare module 'jsonld' {
  const jsonld: {
    toRDF(input: object, options: { documentLoader: (url: string) => Promise<unknown>; safe?: boolean; base?: string | null }): Promise<unknown>;
  };
  export default jsonld;
}

declare module '@digitalbazaar/data-integrity' {
  export interface DataIntegritySigner {
    id: string;
    algorithm: string;
    sign(args: { data: Uint8Array }): Promise<Uint8Array>;
  }
  export interface Cryptosuite {
    name: string;
    [member: string]: unknown;
  }
  export class DataIntegrityProof {
    constructor(options: { cryptosuite: Cryptosuite; signer?: DataIntegritySigner; date?: Date | string | null; legacyContext?: boolean });
    cryptosuite: string;
    verificationMethod?: string;
    /** Checks one proof's signature over `document` (the document without that proof). */
    verifyProof(options: {
      proof: object;
      document: object;
      proofSet?: object[];
      documentLoader: (url: string) => Promise<unknown>;
    }): Promise<{ verified: boolean; verificationMethod?: Record<string, unknown>; error?: unknown }>;
    createProof(options: { document: object; purpose: unknown; proofSet?: object[]; documentLoader: (url: string) => Promise<unknown> }): Promise<Record<string, unknown>>;
  }
}
declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  import type { Cryptosuite } from '@digitalbazaar/data-integrity';
  export const cryptosuite: Cryptosuite;
}
declare module '@digitalbazaar/eddsa-jcs-2022-cryptosuite' {
  import type { Cryptosuite } from '@digitalbazaar/data-integrity';
  export function createSignCryptosuite(): Cryptosuite;
  export function createVerifyCryptosuite(): Cryptosuite;
}

declare module 'jsonld-signatures' {
  export interface RemoteDocument {
    contextUrl: string | null;
    documentUrl: string;
    document: unknown;
  }
  export type DocumentLoader = (url: string) => Promise<RemoteDocument>;
  export interface VerifyResult {
    verified: boolean;
    error?: unknown;
    results?: Array<{ verified: boolean; error?: unknown; proof?: unknown }>;
  }
  export interface PurposeResult {
    valid: boolean;
    error?: unknown;
    controller?: Record<string, unknown>;
  }
  export class ControllerProofPurpose {
    constructor(options: { term: string; controller?: object; date?: string | Date; maxTimestampDelta?: number });
    validate(proof: object, options: { verificationMethod: object; documentLoader: DocumentLoader }): Promise<PurposeResult>;
  }
  const jsigs: {
    purposes: { ControllerProofPurpose: typeof ControllerProofPurpose; AssertionProofPurpose: new (options?: object) => unknown };
    verify(document: object, options: { suite: unknown; purpose: unknown; documentLoader: DocumentLoader }): Promise<VerifyResult>;
  };
  export default jsigs;
}

declare module '@digitalbazaar/vc' {
  import type { DocumentLoader } from 'jsonld-signatures';
  export class CredentialIssuancePurpose {
    constructor(options?: { controller?: object; date?: string | Date; maxTimestampDelta?: number });
    validate(
      proof: object,
      options: { document: object; suite: unknown; verificationMethod: object; documentLoader: DocumentLoader },
    ): Promise<{ valid: boolean; error?: unknown }>;
  }
  export function issue(options: {
    credential: object;
    suite: unknown;
    documentLoader: DocumentLoader;
    now?: Date | string;
    purpose?: unknown;
  }): Promise<Record<string, unknown>>;
  export function verifyCredential(options: {
    credential: object;
    suite: unknown;
    documentLoader: DocumentLoader;
    now?: Date | string;
    checkStatus?: (options: unknown) => Promise<{ verified: boolean }>;
    purpose?: unknown;
  }): Promise<{ verified: boolean; error?: unknown; results?: Array<{ verified: boolean; error?: unknown }> }>;
}

declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519MultikeyKeyPair {
    id: string;
    controller: string;
    publicKeyMultibase: string;
    signer(): { id: string; algorithm: string; sign(args: { data: Uint8Array }): Promise<Uint8Array> };
    export(options: { publicKey?: boolean; secretKey?: boolean; includeContext?: boolean }): Promise<Record<string, unknown>>;
  }
  export function generate(options?: { id?: string; controller?: string; seed?: Uint8Array }): Promise<Ed25519MultikeyKeyPair>;
  export function from(key: object): Promise<Ed25519MultikeyKeyPair>;
}
