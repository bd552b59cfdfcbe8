/**
 * Another host's issuer for tests: a did:key whose key only the test holds, and a
 * loopback server publishing that issuer's signed BitstringStatusListCredentials
 * with whatever headers, ttl or validity a test wants, counting every fetch.
 */
import { randomBytes } from 'node:crypto';
import { listenOnLoopback } from '@vcq/testing';
import { didKeyFromPublicKey } from '../src/index.js';
import { type Ed25519Signer, signerFromSeed } from '../src/ed25519.js';
import { signJwt } from '../src/jwt.js';
import { encodeList, STATUS_LIST_BITS } from '../src/status-list.js';

export interface ForeignIssuer {
  did: string;
  kid: string;
  signer: Ed25519Signer;
}

/** A fresh did:key issuer vcq has never heard of. */
export function foreignIssuer(): ForeignIssuer {
  const signer = signerFromSeed(randomBytes(32));
  const did = didKeyFromPublicKey(signer.publicKey);
  return { did, kid: `${did}#${did.slice('did:key:'.length)}`, signer };
}

export interface PublishedList {
  /** Indexes whose bit is set (revoked). */
  revoked?: number[];
  /** Served instead of the encoded bits. */
  encodedList?: string;
  /** credentialSubject.ttl, milliseconds. */
  ttl?: unknown;
  /** vc.validUntil (ISO). */
  validUntil?: string;
  /** JWT exp (seconds). */
  exp?: number;
  /** Extra protected-header parameters. */
  header?: Record<string, unknown>;
  /** Response headers (e.g. cache-control). */
  headers?: Record<string, string>;
  /** Answer this status with no list. */
  status?: number;
  /** Sign as this issuer instead of the host's. */
  signedBy?: ForeignIssuer;
}

export interface StatusListHost {
  issuer: ForeignIssuer;
  /** `127.0.0.1:<port>`, for DID_WEB_ALLOW_HTTP_HOSTS. */
  host: string;
  /** Serves `list` at `path` from now on; returns its URL. */
  publish(path: string, list?: PublishedList): string;
  /** GET requests `path` received so far. */
  fetches(path: string): number;
  /** A VC-JWT by `issuer` (the host's by default) whose revocation entry is `index` of the list at `listUrl`. */
  credential(listUrl: string, index: number, issuer?: ForeignIssuer): string;
  close(): Promise<void>;
}

/** Starts the host on loopback. */
export async function startStatusListHost(): Promise<StatusListHost> {
  const issuer = foreignIssuer();
  const lists = new Map<string, { status: number; headers: Record<string, string>; body: string }>();
  const counts = new Map<string, number>();
  const server = await listenOnLoopback((req, res) => {
    const path = new URL(req.url ?? '/', 'http://host').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const list = lists.get(path);
    if (!list) return void res.writeHead(404).end();
    res.writeHead(list.status, list.headers).end(list.body);
  });
  const seconds = () => Math.floor(Date.now() / 1000);

  return {
    issuer,
    host: new URL(server.url).host,
    publish(path, list = {}) {
      const url = `${server.url}${path}`;
      if (list.status !== undefined) {
        lists.set(path, { status: list.status, headers: { 'content-type': 'text/plain' }, body: 'not now' });
        return url;
      }
      const bits = new Uint8Array(STATUS_LIST_BITS / 8);
      for (const index of list.revoked ?? []) bits[index >> 3]! |= 0x80 >> (index & 7);
      const signer = list.signedBy ?? issuer;
      const jwt = signJwt(
        { typ: 'JWT', kid: signer.kid, ...list.header },
        {
          iss: issuer.did,
          sub: `${url}#list`,
          jti: url,
          // A minute back, so a verifier whose clock a test moves never sees it as not yet valid.
          nbf: seconds() - 60,
          ...(list.exp !== undefined ? { exp: list.exp } : {}),
          vc: {
            '@context': ['https://www.w3.org/2018/credentials/v1', 'https://www.w3.org/ns/credentials/status/v1'],
            type: ['VerifiableCredential', 'BitstringStatusListCredential'],
            ...(list.validUntil !== undefined ? { validUntil: list.validUntil } : {}),
            credentialSubject: {
              id: `${url}#list`,
              type: 'BitstringStatusList',
              statusPurpose: 'revocation',
              encodedList: list.encodedList ?? encodeList(bits),
              ...(list.ttl !== undefined ? { ttl: list.ttl } : {}),
            },
          },
        },
        signer.signer,
      );
      lists.set(path, { status: 200, headers: { 'content-type': 'application/vc+jwt', ...list.headers }, body: jwt });
      return url;
    },
    fetches: (path) => counts.get(path) ?? 0,
    credential(listUrl, index, by = issuer) {
      return signJwt(
        { typ: 'JWT', kid: by.kid },
        {
          iss: by.did,
          sub: 'did:example:holder',
          nbf: seconds() - 60,
          vc: {
            '@context': ['https://www.w3.org/2018/credentials/v1', 'https://www.w3.org/ns/credentials/status/v1'],
            type: ['VerifiableCredential', 'MembershipCredential'],
            credentialSubject: { id: 'did:example:holder', member: index },
            credentialStatus: {
              id: `${listUrl}#${index}`,
              type: 'BitstringStatusListEntry',
              statusPurpose: 'revocation',
              statusListIndex: String(index),
              statusListCredential: listUrl,
            },
          },
        },
        by.signer,
      );
    },
    close: () => server.close(),
  };
}
