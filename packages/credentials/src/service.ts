/**
 * createCredentialsService: the DID and credential operations over one database,
 * wired from configuration. Apps call this once and hand the result to routes and
 * job handlers.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '@vcq/errors';
import { Coalescer, type Db, DEFAULT_ORGANIZATION, type HotStatement, hotQuery } from '@vcq/db';
import { createBuiltinIssuer, existingIssueResult, formatOf } from './builtin-issuer.js';
import { createDidRegistry } from './did-service.js';
import { isDataIntegrityFormat } from './data-integrity.js';
import { assertDidKeys } from './did-key.js';
import { assertKnownContextsWithin } from './jsonld-contexts.js';
import { assertKeyEncryptionKey } from './key-encryption.js';
import { IssueCredentialInputSchema } from './schemas.js';
import { setStatusBit } from './status-list.js';
import { createStatusListPublisher } from './status-list-publisher.js';
import type { AnyIssueResult, CredentialOperations, CredentialView, CredentialsService, CredentialsServiceDeps, IssueOptions } from './types.js';
import { fieldError, parseInput } from './validation.js';
import { credentialUuid } from './vc-api.js';
import { createVerifier } from './verifier.js';

/** What vcq's published status lists say about themselves unless configured (STATUS_LIST_TTL, STATUS_LIST_VALIDITY). */
export const DEFAULT_PUBLISHED_TTL_MS = 5 * 60_000;
export const DEFAULT_PUBLISHED_VALIDITY_MS = 24 * 3_600_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type CredentialRow = NonNullable<Awaited<ReturnType<Db['credential']['findUnique']>>>;

// The ids as one JSON parameter: as cheap to prepare for a hundred ids as for one.
const CREDENTIALS_BY_ID: HotStatement = {
  name: 'vcq_credentials_by_id',
  text: 'SELECT id::text AS id FROM credentials WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid)',
};

/** Builds the credentials domain service (DIDs, issuance, verification, revocation, status lists). */
export function createCredentialsService(deps: CredentialsServiceDeps): CredentialsService {
  assertKeyEncryptionKey(deps.keyEncryptionKey);
  const base = new URL(deps.publicBaseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('PUBLIC_BASE_URL must be an http(s) URL');
  const now = deps.now ?? (() => new Date());
  const statusListPrefix = `${deps.publicBaseUrl.replace(/\/+$/, '')}/status-lists/`;
  const statusListUrl = (listId: string) => `${statusListPrefix}${listId}`;

  const registry = createDidRegistry({
    db: deps.db,
    keyEncryptionKey: deps.keyEncryptionKey,
    publicBaseUrl: deps.publicBaseUrl,
    didWebAllowHttpHosts: deps.didWebAllowHttpHosts,
    fetchTimeoutMs: deps.fetchTimeoutMs,
    egress: deps.egress,
    now,
  });
  const backend = deps.issuerBackend ?? createBuiltinIssuer({ db: deps.db, registry, statusListUrl });
  const statusLists = createStatusListPublisher({
    db: deps.db,
    registry,
    statusListUrl,
    now,
    ttlMs: deps.statusListTtlMs ?? DEFAULT_PUBLISHED_TTL_MS,
    validityMs: deps.statusListValidityMs ?? DEFAULT_PUBLISHED_VALIDITY_MS,
  });
  const verify = createVerifier({
    db: deps.db,
    registry,
    ownStatusListPrefix: statusListPrefix,
    didWebAllowHttpHosts: deps.didWebAllowHttpHosts,
    fetchTimeoutMs: deps.fetchTimeoutMs,
    egress: deps.egress,
    ...(deps.statusListCache ? { statusListCache: deps.statusListCache } : {}),
    ...(deps.statusListObserver ? { statusListObserver: deps.statusListObserver } : {}),
    now,
  });

  // A retried job's issuance first looks for what its earlier attempt made; lookups
  // from concurrent jobs share one query.
  const credentialsById = new Coalescer<string, CredentialRow | null>(
    async (ids) => {
      const found = await hotQuery<{ id: string }>(deps.db, CREDENTIALS_BY_ID, [JSON.stringify([...new Set(ids)])]);
      // Usually none: only a retried job's credential exists already.
      const rows = found.length > 0 ? await deps.db.credential.findMany({ where: { id: { in: found.map((r) => r.id) } } }) : [];
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => ({ ok: true, value: byId.get(id) ?? null }));
    },
    { windowMs: 0, maxBatch: 500 },
  );

  async function findCredential(id: string): Promise<CredentialRow | null> {
    if (typeof id !== 'string') return null;
    if (UUID.test(id)) return deps.db.credential.findUnique({ where: { id: id.toLowerCase() } });
    // Only a well-formed urn:uuid reaches the query: anything else can name no credential.
    // (Public ids are unique per organization; vcq's own are urn:uuid:<its uuid>, and the oldest answers.)
    if (id.startsWith('urn:uuid:') && UUID.test(id.slice('urn:uuid:'.length))) {
      return deps.db.credential.findFirst({ where: { publicId: id.toLowerCase() }, orderBy: { createdAt: 'asc' } });
    }
    return null;
  }

  function toView(row: CredentialRow): CredentialView {
    return {
      id: row.id,
      publicId: row.publicId,
      issuer: row.issuer,
      subject: row.subject,
      type: row.type,
      status: row.status,
      issuedAt: row.issuedAt.toISOString(),
      expiresAt: row.expiresAt?.toISOString() ?? null,
      revokedAt: row.revokedAt?.toISOString() ?? null,
      statusListId: row.statusListId,
      statusListIndex: row.statusListIndex,
      statusListCredential: statusListUrl(row.statusListId),
      organizationId: row.organizationId,
      userId: row.userId,
      format: formatOf(row.jwt),
      // Data Integrity credentials are stored as their JSON text.
      ...(row.jwt.startsWith('{') ? { verifiableCredential: JSON.parse(row.jwt) as Record<string, unknown> } : { vcJwt: row.jwt }),
    };
  }

  return {
    dids: registry.operations,
    credentials: {
      issue: (async (raw: unknown, options: IssueOptions = {}): Promise<AnyIssueResult> => {
        const parsed = parseInput(IssueCredentialInputSchema, raw, 'credential issuance input');
        const input = { ...parsed, format: parsed.format ?? deps.defaultFormat ?? 'jwt_vc_json' };
        assertDidKeys({ issuerDid: input.issuerDid, subjectDid: input.subjectDid });
        // JSON-LD processing would need them: a context vcq has no copy of is a 400 naming where it is.
        if (isDataIntegrityFormat(input.format)) {
          // A VC API caller's credential is checked whole (vc-api.ts did so too, before the job).
          if (input.credential) assertKnownContextsWithin(input.credential, 'credential');
          assertKnownContextsWithin(input.claims, 'claims');
        }
        const requestedId = (raw as { id?: unknown } | null)?.id;
        if (requestedId !== undefined && (typeof requestedId !== 'string' || !UUID.test(requestedId))) {
          throw fieldError('id', 'must be a UUID');
        }
        // A VC API caller's own credential id names the credential within its organization,
        // whichever job (or Idempotency-Key) asks for it.
        const callerId = typeof input.credential?.id === 'string' ? input.credential.id : undefined;
        const id = callerId !== undefined ? credentialUuid(input.organizationId ?? DEFAULT_ORGANIZATION, callerId) : (requestedId?.toLowerCase() ?? randomUUID());
        // A retried job: answer with what the first attempt made, before any check that
        // time could have changed (expirationDate). A job's first attempt has no earlier
        // run and skips the read; should a run it cannot know of have made its id after
        // all, the insert's conflict answers with that credential (or, once the
        // expiration date has passed, the read made then).
        const readFirst = callerId !== undefined || (requestedId !== undefined && options.firstAttempt !== true);
        const readLate = requestedId !== undefined && !readFirst;
        const existing = readFirst ? await credentialsById.submit(id) : null;
        if (existing) return existingIssueResult(existing, input);
        const at = now();
        if (input.expirationDate && Date.parse(input.expirationDate) <= at.getTime()) {
          const made = readLate ? await credentialsById.submit(id) : null;
          if (made) return existingIssueResult(made, input);
          throw fieldError('expirationDate', 'must be in the future');
        }
        return backend.issue({ ...input, id }, { now: at });
        // The result is in the format the input names (IssueResultFor).
      }) as CredentialOperations['issue'],

      verify,

      async get(id) {
        const row = await findCredential(id);
        return row ? toView(row) : null;
      },

      async revoke(id) {
        const row = await findCredential(id);
        if (!row) throw new NotFoundError(`No credential ${id}`);
        if (row.status === 'revoked') return toView(row);
        await deps.db.$transaction(async (tx) => {
          // Only the request that flips the status sets the bit; status and bit change together.
          const changed = await tx.credential.updateMany({ where: { id: row.id, status: 'issued' }, data: { status: 'revoked', revokedAt: now() } });
          if (changed.count === 1) await setStatusBit(tx, row.statusListId, row.statusListIndex);
        });
        const revoked = await deps.db.credential.findUnique({ where: { id: row.id } });
        return toView(revoked ?? row);
      },

      statusListCredential: (listId) => statusLists.publish(listId),
    },
  };
}
