/**
 * DID operations: create (fresh or imported Ed25519 key), resolve, update and
 * deactivate, and the did:web documents vcq hosts. Private keys exist in plaintext
 * only in memory while they are used; the `dids` row keeps the seed sealed with
 * AES-256-GCM (see key-encryption.ts).
 */
import { DEFAULT_ORGANIZATION, type Db, type HotStatement, hotQuery } from '@vcq/db';
import type { EgressClient } from '@vcq/egress';
import { GoneError, NotFoundError, PermanentJobError } from '@vcq/errors';
import { type Tx, isUniqueViolation, json } from './db-types.js';
import { type DidDocument, deactivatedDocument, isObject, multikeyMethod, type Service, singleKeyDocument } from './did-document.js';
import { didKeyDocument, didKeyFromPublicKey } from './did-key.js';
import { type DidWebParts, didWebDocumentUrl, didWebFor, parseDidWeb } from './did-web.js';
import {
  assertStrictEd25519PublicKey,
  type Ed25519PublicJwk,
  type Ed25519Signer,
  generateSeed,
  publicJwk,
  publicKeyFromSeed,
  signerFromSeed,
} from './ed25519.js';
import { openSecret, sealSecret } from './key-encryption.js';
import { encodeEd25519Multikey } from './multikey.js';
import { fetchFromPeer, httpAllowed } from './peer-fetch.js';
import {
  type DidCreateInput,
  DidCreateInputSchema,
  DidSchema,
  type DidUpdateInput,
  DidUpdateInputSchema,
  DidWebPathSegmentSchema,
  type Ed25519PrivateJwk,
  type ServiceInput,
} from './schemas.js';
import type { DidJobOptions, DidMethod, DidOperations, DidOwner, DidResolution, DidView } from './types.js';
import { fieldError, parseInput } from './validation.js';

const MAX_DID_DOCUMENT_BYTES = 256 * 1024;
// did:web documents share the URL space with the API (`/<path>/did.json`); a DID under
// one of these would sit behind API routes or shadow them.
const RESERVED_FIRST_SEGMENTS = new Set(['api', 'credentials', 'status-lists', 'docs', 'metrics', 'healthz', 'readyz', 'dashboard', 'admin']);
const DID_CONTENT_TYPE = 'application/did+ld+json';

export interface DidRegistryDeps {
  db: Db;
  keyEncryptionKey: Buffer;
  publicBaseUrl: string;
  didWebAllowHttpHosts: string[];
  egress: EgressClient;
  fetchTimeoutMs: number;
  now: () => Date;
}

/** A DID vcq can sign with right now. */
export interface LoadedSigner {
  did: string;
  keyId: string;
  status: 'active' | 'deactivated';
  /** Only this organization may issue with it. */
  organizationId: string;
  signer: Ed25519Signer;
}

export interface DidRegistry {
  operations: DidOperations;
  /** The signer of a DID vcq controls, or null if vcq has no such DID. */
  loadSigner(did: string): Promise<LoadedSigner | null>;
  /** The signers of those of `dids` vcq controls, in one query. */
  loadSigners(dids: string[]): Promise<Map<string, LoadedSigner>>;
}

type DidRow = NonNullable<Awaited<ReturnType<Db['did']['findUnique']>>>;
/** What signing with a DID needs of its row. */
type SignerRow = Pick<DidRow, 'did' | 'keyId' | 'status' | 'organizationId' | 'encryptedKey'>;
const SIGNER_ROWS: HotStatement = {
  name: 'vcq_signer_rows',
  text: 'SELECT did, key_id AS "keyId", status::text AS status, organization_id AS "organizationId", encrypted_key AS "encryptedKey" FROM dids WHERE did = ANY($1::text[])',
};

/** DID operations over the `dids` table. */
export function createDidRegistry(deps: DidRegistryDeps): DidRegistry {
  const base = new URL(deps.publicBaseUrl);
  const ownHost = base.host.toLowerCase();
  // A PUBLIC_BASE_URL with a path (https://example.com/vcq) puts our did:web DIDs under
  // it (did:web:example.com:vcq:...), since did:web has no other way to say where they live.
  const basePath = base.pathname.split('/').filter(Boolean);

  const ownDidWeb = (path: readonly string[]) => didWebFor(ownHost, [...basePath, ...path]);
  const isOwn = (parts: DidWebParts) =>
    parts.host === ownHost && parts.path.length >= basePath.length && basePath.every((segment, i) => parts.path[i] === segment);
  const keyContext = (did: string) => `vcq:did-key:${did}`;

  const sealSeed = (did: string, seed: Uint8Array) => sealSecret(deps.keyEncryptionKey, seed, keyContext(did));

  async function create(raw: DidCreateInput, owner: DidOwner = DEFAULT_OWNER, options: DidJobOptions = {}): Promise<DidView> {
    const input = parseInput(DidCreateInputSchema, raw, 'DID creation input');
    if (input.method === 'key') {
      if (input.path?.length) throw fieldError('path', 'only applies to did:web');
      if (input.services?.length) throw fieldError('services', 'only apply to did:web: a did:key document is derived from the key alone');
    }
    const first = input.path?.[0];
    if (first !== undefined && RESERVED_FIRST_SEGMENTS.has(first.toLowerCase())) {
      throw fieldError('path.0', `"${first}" is reserved for vcq's own routes`);
    }
    if (input.seedHex !== undefined && input.privateKeyJwk !== undefined) {
      throw fieldError('privateKeyJwk', 'cannot be given together with seedHex: import one key');
    }
    const imported = input.seedHex !== undefined || input.privateKeyJwk !== undefined;
    const seed =
      input.seedHex !== undefined
        ? Buffer.from(input.seedHex, 'hex')
        : input.privateKeyJwk !== undefined
          ? seedFromJwk(input.privateKeyJwk)
          : generateSeed();
    try {
      const publicKey = publicKeyFromSeed(seed);
      const multikey = encodeEd25519Multikey(publicKey);
      let did: string;
      let document: DidDocument;
      let services: Service[] = [];
      if (input.method === 'key') {
        did = didKeyFromPublicKey(publicKey);
        document = didKeyDocument(did);
      } else {
        did = ownDidWeb(input.path ?? []);
        services = normaliseServices(did, input.services ?? [], 'services');
        document = webDocumentFor(did, multikey, services);
      }
      const keyId = `${did}#${multikey}`;

      const jobId = options.jobId;
      // One query for both: the DID this job made on an earlier run (a fresh did:key
      // differs on every run, so only the job id finds it), and a DID already at `did`.
      const found = await deps.db.did.findMany({ where: jobId ? { OR: [{ jobId }, { did }] } : { did } });
      const made = jobId ? found.find((row) => row.jobId === jobId) : undefined;
      if (made) return toView(made);
      const existing = found[0];
      if (existing) return sameKeyOrConflict(existing, publicKey, imported, owner);
      const now = deps.now();
      try {
        const row = await deps.db.did.create({
          data: {
            did,
            method: input.method,
            document: json(document),
            keyId,
            publicKeyJwk: json(publicJwk(publicKey)),
            encryptedKey: sealSeed(did, seed),
            services: json(services),
            organizationId: owner.organizationId,
            jobId: jobId ?? null,
            createdAt: now,
            updatedAt: now,
          },
        });
        return toView(row);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // A duplicate run of this same job stored its DID a moment ago: that is the one.
        const sameJob = jobId ? await deps.db.did.findUnique({ where: { jobId } }) : null;
        if (sameJob) return toView(sameJob);
        // Another request created the same DID a moment ago.
        const winner = await deps.db.did.findUnique({ where: { did } });
        if (!winner) throw error;
        return sameKeyOrConflict(winner, publicKey, imported, owner);
      }
    } finally {
      seed.fill(0);
    }
  }

  async function resolve(did: string): Promise<DidResolution> {
    parseInput(DidSchema, did, 'DID', 'did');
    const method = methodOf(did);
    if (method === 'key') {
      return { didDocument: didKeyDocument(did), didDocumentMetadata: {}, didResolutionMetadata: { contentType: DID_CONTENT_TYPE } };
    }
    if (method !== 'web') throw unsupportedMethod(method);
    const parts = parseDidWeb(did);
    if (isOwn(parts)) {
      const row = await deps.db.did.findUnique({ where: { did } });
      if (row?.method !== 'web') throw new NotFoundError(`No DID document for ${did}`);
      const view = toView(row);
      return {
        didDocument: view.document,
        didDocumentMetadata: {
          created: view.createdAt,
          updated: view.updatedAt,
          ...(view.status === 'deactivated' ? { deactivated: true as const } : {}),
        },
        didResolutionMetadata: { contentType: DID_CONTENT_TYPE },
      };
    }
    return resolveRemoteDidWeb(did, parts);
  }

  async function resolveRemoteDidWeb(did: string, parts: DidWebParts): Promise<DidResolution> {
    const scheme = httpAllowed(new URL(`http://${parts.host}`), deps.didWebAllowHttpHosts) ? 'http' : 'https';
    const url = didWebDocumentUrl(parts, scheme);
    let response: Awaited<ReturnType<typeof fetchFromPeer>>;
    try {
      response = await fetchFromPeer(url, `the DID document of ${did}`, {
        accept: 'application/did+json, application/did+ld+json, application/json',
        maxBytes: MAX_DID_DOCUMENT_BYTES,
        fetchTimeoutMs: deps.fetchTimeoutMs,
        allowHttpHosts: deps.didWebAllowHttpHosts,
        egress: deps.egress,
      });
    } catch (error) {
      // 410 Gone: the host took the document down for good, which is how a did:web is deactivated.
      if (error instanceof GoneError) {
        return { didDocument: deactivatedDocument(did), didDocumentMetadata: { deactivated: true }, didResolutionMetadata: { contentType: DID_CONTENT_TYPE } };
      }
      throw error;
    }
    let document: unknown;
    try {
      document = JSON.parse(response.body);
    } catch (error) {
      throw invalidDocument(did, url, 'is not JSON', error);
    }
    if (!isObject(document)) throw invalidDocument(did, url, 'is not a JSON object');
    // did:web: the document must be about the DID that pointed at it, or any host
    // could publish keys for any other DID.
    // Not quoting the id it has: that is the host's text.
    if (document.id !== did) throw invalidDocument(did, url, 'is about another DID (its id differs)');
    return {
      didDocument: document as DidDocument,
      didDocumentMetadata: {},
      didResolutionMetadata: { contentType: '@context' in document ? DID_CONTENT_TYPE : 'application/did+json' },
    };
  }

  async function update(did: string, raw: DidUpdateInput, owner: DidOwner = DEFAULT_OWNER, options: DidJobOptions = {}): Promise<DidView> {
    const input = parseInput(DidUpdateInputSchema, raw, 'DID update');
    if (!input.rotateKey && !input.addServices?.length && !input.removeServices?.length && !input.retireKeys?.length) {
      throw fieldError('(root)', 'asks for nothing: give rotateKey, addServices, removeServices or retireKeys');
    }
    assertControllable(did, 'updated');
    const removals = new Set((input.removeServices ?? []).map((id) => absoluteServiceId(did, id, 'removeServices')));
    const retirements = new Set((input.retireKeys ?? []).map((id) => absoluteServiceId(did, id, 'retireKeys')));
    const additions = normaliseServices(did, input.addServices ?? [], 'addServices');

    return deps.db.$transaction(async (tx) => {
      const current = await lockOwnDid(tx, did, owner);
      // This job's update is in already (its run was cut short after the commit): applying
      // it again would rotate the key a second time. Adding and removing services or
      // retiring keys is the same twice; a rotation is not. Only the last update is
      // remembered, so a re-run after another job's update would apply again.
      if (options.jobId !== undefined && current.lastJobId === options.jobId) return toView(current);
      if (current.status === 'deactivated') {
        throw new PermanentJobError(`${did} is deactivated and can no longer be updated`, { code: 'did_deactivated', status: 409 });
      }
      const services = (current.services as unknown as Service[]).filter((s) => !removals.has(s.id) && !additions.some((a) => a.id === s.id));
      services.push(...additions);

      let keyId = current.keyId;
      let publicKey: Uint8Array = Buffer.from((current.publicKeyJwk as unknown as Ed25519PublicJwk).x, 'base64url');
      let encryptedKey = current.encryptedKey;
      let previousKeys = current.previousKeys as unknown as PreviousKey[];
      if (input.rotateKey) {
        // The key being replaced stays listed: what it signed still verifies until it is retired.
        previousKeys = [{ id: current.keyId, publicKeyMultibase: encodeEd25519Multikey(publicKey) }, ...previousKeys];
        const seed = generateSeed();
        try {
          publicKey = publicKeyFromSeed(seed);
          encryptedKey = sealSeed(did, seed);
        } finally {
          seed.fill(0);
        }
      }
      const multikey = encodeEd25519Multikey(publicKey);
      keyId = `${did}#${multikey}`;
      if (retirements.has(keyId)) throw fieldError('retireKeys', `cannot retire the current key ${keyId}; rotate it first (rotateKey, in the same request)`);
      previousKeys = previousKeys.filter((key) => !retirements.has(key.id));
      if (previousKeys.length > MAX_PREVIOUS_KEYS) {
        throw new PermanentJobError(`${did} would list more than ${MAX_PREVIOUS_KEYS} earlier keys; retire one (retireKeys) in the same request`, {
          code: 'too_many_keys',
          status: 409,
        });
      }
      const row = await tx.did.update({
        where: { did },
        data: {
          document: json(webDocumentFor(did, multikey, services, previousKeys)),
          keyId,
          publicKeyJwk: json(publicJwk(publicKey)),
          encryptedKey,
          services: json(services),
          previousKeys: json(previousKeys),
          lastJobId: options.jobId ?? null,
          updatedAt: deps.now(),
        },
      });
      return toView(row);
    });
  }

  async function deactivate(did: string, owner: DidOwner = DEFAULT_OWNER): Promise<DidView> {
    assertControllable(did, 'deactivated');
    return deps.db.$transaction(async (tx) => {
      const current = await lockOwnDid(tx, did, owner);
      if (current.status === 'deactivated') return toView(current);
      const now = deps.now();
      const row = await tx.did.update({
        where: { did },
        data: { status: 'deactivated', deactivatedAt: now, updatedAt: now, document: json(deactivatedDocument(did)) },
      });
      return toView(row);
    });
  }

  async function webDocument(path: string[]): Promise<DidDocument | null> {
    if (!Array.isArray(path) || !path.every((segment) => DidWebPathSegmentSchema.safeParse(segment).success)) return null;
    const row = await deps.db.did.findUnique({ where: { did: ownDidWeb(path) } });
    if (row?.method !== 'web') return null;
    // A deactivated did:web serves no document at all: 410 says it existed and is gone for good.
    if (row.status === 'deactivated') throw new GoneError(`${row.did} has been deactivated`, { code: 'did_deactivated' });
    return row.document as unknown as DidDocument;
  }

  // Signing keys already opened, by DID. Opening one (AES-GCM, then a KeyObject) costs
  // more than signing with it, and issuance signs thousands a second with a few keys.
  // An entry is reused only while the row still holds the same sealed key, so a
  // rotation takes effect with the next load; the row (and its status) is read every
  // time. Bounded: the oldest entries go first.
  const openedKeys = new Map<string, { encryptedKey: string; signer: Ed25519Signer }>();
  const MAX_OPENED_KEYS = 1000;

  function signerFor(row: SignerRow): LoadedSigner {
    let opened = openedKeys.get(row.did);
    if (opened?.encryptedKey !== row.encryptedKey) {
      const seed = openSecret(deps.keyEncryptionKey, row.encryptedKey, keyContext(row.did));
      try {
        opened = { encryptedKey: row.encryptedKey, signer: signerFromSeed(seed) };
      } finally {
        seed.fill(0);
      }
      openedKeys.delete(row.did);
      if (openedKeys.size >= MAX_OPENED_KEYS) openedKeys.delete(openedKeys.keys().next().value as string);
      openedKeys.set(row.did, opened);
    }
    return { did: row.did, keyId: row.keyId, status: row.status, organizationId: row.organizationId, signer: opened.signer };
  }

  async function loadSigner(did: string): Promise<LoadedSigner | null> {
    const row = await deps.db.did.findUnique({ where: { did } });
    return row ? signerFor(row) : null;
  }

  async function loadSigners(dids: string[]): Promise<Map<string, LoadedSigner>> {
    // Every issuance batch reads its issuers' rows: a prepared statement, not a Prisma call.
    const rows = await hotQuery<SignerRow>(deps.db, SIGNER_ROWS, [[...new Set(dids)]]);
    return new Map(rows.map((row) => [row.did, signerFor(row)]));
  }

  /** Only our own did:web DIDs change; did:key cannot, by the method's definition. */
  function assertControllable(did: string, action: 'updated' | 'deactivated'): void {
    parseInput(DidSchema, did, 'DID', 'did');
    const method = methodOf(did);
    if (method === 'key') {
      throw new PermanentJobError(
        `${did} cannot be ${action}: a did:key document is derived from its key alone, so the did:key method allows no ${
          action === 'updated' ? 'update' : 'deactivation'
        }`,
        { code: 'did_method_immutable' },
      );
    }
    if (method !== 'web') throw unsupportedMethod(method);
    if (!isOwn(parseDidWeb(did))) throw new NotFoundError(`vcq does not control ${did}`);
  }

  async function lockOwnDid(tx: Tx, did: string, owner: DidOwner): Promise<DidRow> {
    // Row lock: two concurrent updates (rotate + add service) must not lose one another's change.
    await tx.$queryRaw`SELECT did FROM dids WHERE did = ${did} FOR UPDATE`;
    const row = await tx.did.findUnique({ where: { did } });
    // Another organization's DID is answered as one vcq does not have.
    if (row?.method !== 'web' || row.organizationId !== owner.organizationId) throw new NotFoundError(`vcq has no DID ${did}`);
    return row;
  }

  async function ownerOf(did: string): Promise<string | null> {
    const row = await deps.db.did.findUnique({ where: { did }, select: { organizationId: true } });
    return row?.organizationId ?? null;
  }

  return {
    operations: { create, resolve, update, deactivate, webDocument, ownerOf },
    loadSigner,
    loadSigners,
  };
}

/** An earlier key of a did:web, still listed for verification. */
interface PreviousKey {
  id: string;
  publicKeyMultibase: string;
}

/** Earlier keys a did:web lists at most; more must be retired before the next rotation. */
const MAX_PREVIOUS_KEYS = 20;

/**
 * A did:web document of vcq's: the current key authenticates and asserts; earlier keys
 * (newest first) only assert, so credentials they signed still verify while nothing
 * new is signed with them.
 */
function webDocumentFor(did: string, multikey: string, services: Service[], previousKeys: readonly PreviousKey[] = []): DidDocument {
  const document = singleKeyDocument(did, multikey, { relationships: ['authentication', 'assertionMethod'], services });
  if (previousKeys.length === 0) return document;
  return {
    ...document,
    verificationMethod: [...(document.verificationMethod ?? []), ...previousKeys.map((key) => multikeyMethod(key.id, did, key.publicKeyMultibase))],
    assertionMethod: [...(document.assertionMethod ?? []), ...previousKeys.map((key) => key.id)],
  };
}

const DEFAULT_OWNER: DidOwner = { organizationId: DEFAULT_ORGANIZATION };

function sameKeyOrConflict(existing: DidRow, publicKey: Uint8Array, imported: boolean, owner: DidOwner): DidView {
  // Importing the same key again (a retried request) is the same DID, not a conflict.
  const sameKey = (existing.publicKeyJwk as unknown as Ed25519PublicJwk).x === publicJwk(publicKey).x;
  if (imported && sameKey && existing.status === 'active' && existing.organizationId === owner.organizationId) return toView(existing);
  throw new PermanentJobError(`${existing.did} already exists`, { code: 'did_exists', status: 409, extensions: { did: existing.did } });
}

function seedFromJwk(jwk: Ed25519PrivateJwk): Buffer {
  try {
    assertStrictEd25519PublicKey(Buffer.from(jwk.x, 'base64url'));
  } catch (error) {
    throw fieldError('privateKeyJwk.x', `is not a valid Ed25519 public key: it ${(error as Error).message}`, error);
  }
  const seed = Buffer.from(jwk.d, 'base64url');
  const derived = publicJwk(publicKeyFromSeed(seed)).x;
  if (derived !== jwk.x) {
    seed.fill(0);
    throw fieldError('privateKeyJwk.x', 'does not match the private key d');
  }
  return seed;
}

function normaliseServices(did: string, services: readonly ServiceInput[], field: string): Service[] {
  const seen = new Set<string>();
  return services.map((service, i) => {
    const id = absoluteServiceId(did, service.id, `${field}.${i}.id`);
    if (seen.has(id)) throw fieldError(`${field}.${i}.id`, `repeats ${id}`);
    seen.add(id);
    return { id, type: service.type, serviceEndpoint: service.serviceEndpoint };
  });
}

function absoluteServiceId(did: string, id: string, field: string): string {
  const hash = id.indexOf('#');
  if (hash === -1) return `${did}#${id}`;
  if (hash === 0) return `${did}${id}`;
  if (id.slice(0, hash) !== did) throw fieldError(field, `must be a fragment of ${did}`);
  return id;
}

function methodOf(did: string): string {
  return did.split(':')[1] ?? '';
}

function unsupportedMethod(method: string) {
  return fieldError('did', `uses the "${method}" method; vcq supports did:key and did:web`);
}

function invalidDocument(did: string, url: URL, problem: string, cause?: unknown): PermanentJobError {
  return new PermanentJobError(`The DID document of ${did} at ${url} ${problem}`, { code: 'invalid_did_document', cause });
}

function toView(row: DidRow): DidView {
  return {
    did: row.did,
    method: row.method as DidMethod,
    status: row.status,
    document: row.document as unknown as DidDocument,
    keyId: row.keyId,
    publicKeyJwk: row.publicKeyJwk as unknown as Ed25519PublicJwk,
    services: row.services as unknown as Service[],
    organizationId: row.organizationId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    deactivatedAt: row.deactivatedAt?.toISOString() ?? null,
  };
}
