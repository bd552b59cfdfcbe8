/**
 * Publishing vcq's own Bitstring Status Lists. A list is signed when it changes, not
 * on every fetch: the signed credential is stored with the bits `version` it was made
 * from and served as it is (same bytes, same ETag) until the bits change (a
 * revocation), the issuer's signing key changes (a rotation), or half of its validity
 * has passed. Each credential says how long it holds (`exp`, Bitstring Status List's
 * `validUntil`) and how soon a verifier should look again (`ttl`, in milliseconds),
 * and is served with matching HTTP caching headers.
 */
import { createHash } from 'node:crypto';
import type { Db } from '@vcq/db';
import type { DidRegistry } from './did-service.js';
import { signJwt } from './jwt.js';
import { encodeList } from './status-list.js';
import { cryptosuiteOf, isDataIntegrityFormat, signDataIntegrity, VC_LD_MEDIA_TYPE } from './data-integrity.js';
import { VC_JOSE_MEDIA_TYPE, VC_JOSE_TYP, VC_JWT_MEDIA_TYPE } from './vc-jose.js';
import { dateTimeStamp, STATUS_CONTEXT_V1, seconds, VC_CONTEXT_V1, VC_CONTEXT_V2, VERIFIABLE_CREDENTIAL } from './vc-jwt.js';

/** A status list credential as it is served. */
export interface StatusListPublication {
  /** The signed BitstringStatusListCredential: a VCDM 1.1 VC-JWT, or for a list of Data Integrity credentials the JSON of a VCDM 2.0 one with their cryptosuite's proof. */
  credential: string;
  /** `application/jwt` (a VCDM 1.1 JWT, not a VC-JOSE-COSE `application/vc+jwt`), or `application/vc` for a Data Integrity list. */
  mediaType: string;
  signedAt: Date;
  /** Its `exp`: after this the credential no longer holds. */
  validUntil: Date;
  /** Its `ttl`: how long a verifier may keep it before fetching it again (ms). */
  ttlMs: number;
  /** A strong validator of exactly these bytes. */
  etag: string;
}

export interface StatusListPublisherDeps {
  db: Db;
  registry: DidRegistry;
  statusListUrl: (listId: string) => string;
  now: () => Date;
  /** STATUS_LIST_TTL: the `ttl` each credential carries, and the HTTP max-age. */
  ttlMs: number;
  /** STATUS_LIST_VALIDITY: from signing to `exp`; re-signed once half of it has passed. */
  validityMs: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `publish(listId)`: the current signed credential of a list vcq holds, signing it first when it must. */
export function createStatusListPublisher(deps: StatusListPublisherDeps): { publish(listId: string): Promise<StatusListPublication | null> } {
  return {
    async publish(listId) {
      if (typeof listId !== 'string' || !UUID.test(listId)) return null;
      const list = await deps.db.statusList.findUnique({ where: { id: listId } });
      if (!list) return null;
      const loaded = await deps.registry.loadSigner(list.issuer);
      if (!loaded) return null;
      const at = deps.now();
      const stored = list.credential !== null && list.credentialSignedAt !== null && list.credentialValidUntil !== null ? list : null;
      if (
        stored &&
        stored.credentialVersion === list.version &&
        stored.credentialKeyId === loaded.keyId &&
        at.getTime() < (stored.credentialSignedAt as Date).getTime() + deps.validityMs / 2
      ) {
        return publication(stored.credential as string, list.format, stored.credentialSignedAt as Date, stored.credentialValidUntil as Date, deps.ttlMs);
      }

      // Whole seconds, so the stored dates equal the credential's iat and exp.
      const signedAt = new Date(Math.floor(at.getTime() / 1000) * 1000);
      const validUntil = new Date(signedAt.getTime() + deps.validityMs);
      const url = deps.statusListUrl(list.id);
      const subject = {
        id: `${url}#list`,
        type: 'BitstringStatusList',
        statusPurpose: list.purpose,
        encodedList: encodeList(list.bits),
        ttl: deps.ttlMs,
      };
      // A VCDM 2.0 list (for VCDM 2.0 credentials), secured as they are.
      const listV2 = {
        '@context': [VC_CONTEXT_V2],
        id: url,
        type: [VERIFIABLE_CREDENTIAL, 'BitstringStatusListCredential'],
        issuer: list.issuer,
        validFrom: dateTimeStamp(signedAt),
        validUntil: dateTimeStamp(validUntil),
        credentialSubject: subject,
      };
      let credential: string;
      if (isDataIntegrityFormat(list.format)) {
        // A list of Data Integrity credentials is one itself, secured with their cryptosuite.
        const secured = await signDataIntegrity(listV2, { cryptosuite: cryptosuiteOf(list.format), keyId: loaded.keyId, signer: loaded.signer, created: signedAt });
        credential = JSON.stringify(secured);
      } else if (list.format === 'vc+jwt') {
        // VC-JOSE-COSE §3.1.1: the payload is the list credential itself.
        credential = signJwt({ typ: VC_JOSE_TYP, cty: 'vc', kid: loaded.keyId }, listV2, loaded.signer);
      } else {
        credential = signJwt(
          { typ: 'JWT', kid: loaded.keyId },
          {
            iss: list.issuer,
            sub: `${url}#list`,
            jti: url,
            nbf: seconds(signedAt),
            iat: seconds(signedAt),
            exp: seconds(validUntil),
            vc: {
              '@context': [VC_CONTEXT_V1, STATUS_CONTEXT_V1],
              type: [VERIFIABLE_CREDENTIAL, 'BitstringStatusListCredential'],
              credentialSubject: subject,
            },
          },
          loaded.signer,
        );
      }
      // Kept only while the bits are still the ones it was made from: a revocation that
      // landed meanwhile leaves the row without a credential, and the next fetch signs again.
      await deps.db.statusList.updateMany({
        where: { id: list.id, version: list.version },
        data: {
          credential,
          credentialVersion: list.version,
          credentialKeyId: loaded.keyId,
          credentialSignedAt: signedAt,
          credentialValidUntil: validUntil,
        },
      });
      return publication(credential, list.format, signedAt, validUntil, deps.ttlMs);
    },
  };
}

function publication(credential: string, format: string, signedAt: Date, validUntil: Date, ttlMs: number): StatusListPublication {
  const etag = `"${createHash('sha256').update(credential).digest('base64url').slice(0, 27)}"`;
  // A Data Integrity list is stored as its JSON text: VCDM 2.0's application/vc.
  const mediaType = isDataIntegrityFormat(format) ? VC_LD_MEDIA_TYPE : format === 'vc+jwt' ? VC_JOSE_MEDIA_TYPE : VC_JWT_MEDIA_TYPE;
  return { credential, mediaType, signedAt, validUntil, ttlMs, etag };
}
