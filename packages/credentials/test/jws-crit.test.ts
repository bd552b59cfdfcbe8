/**
 * RFC 7515 section 4.1.11: `crit` lists header extensions the recipient must
 * understand. vcq understands none, so a JWS with `crit` is invalid, however well
 * signed: as a credential it is `malformed`, as a status list it fails the check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../src/jwt.js';
import { foreignIssuer, type StatusListHost, startStatusListHost } from './status-list-host.js';
import { startVcqHost, type VcqHost } from './support.js';

let vcq: VcqHost;
let lists: StatusListHost;

beforeAll(async () => {
  lists = await startStatusListHost();
  vcq = await startVcqHost({ didWebAllowHttpHosts: [lists.host] });
});

afterAll(async () => {
  await vcq?.close();
  await lists?.close();
});

const issuer = foreignIssuer();

/** A correctly signed VC-JWT (no status entry) with `header` added to its protected header. */
function credential(header: Record<string, unknown>): string {
  return signJwt(
    { typ: 'JWT', kid: issuer.kid, ...header },
    {
      iss: issuer.did,
      sub: 'did:example:holder',
      nbf: Math.floor(Date.now() / 1000) - 60,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential'],
        credentialSubject: { id: 'did:example:holder', level: 'gold' },
      },
    },
    issuer.signer,
  );
}

const BROKEN_CRIT: Array<[string, Record<string, unknown>]> = [
  ['an extension vcq does not understand', { crit: ['urn:example:policy'], 'urn:example:policy': 'strict' }],
  ['RFC 7797 b64, which vcq does not implement', { crit: ['b64'], b64: false }],
  ['an empty array', { crit: [] }],
  ['a string instead of an array', { crit: 'urn:example:policy', 'urn:example:policy': 1 }],
  ['a non-string entry', { crit: [42] }],
  ['a name RFC 7515 itself defines (kid)', { crit: ['kid'] }],
  ['a name RFC 7515 itself defines (alg)', { crit: ['alg'] }],
  ['a name that is absent from the header', { crit: ['urn:example:absent'] }],
  ['null', { crit: null }],
];

describe('JWS crit', () => {
  it('when the same credential carries no crit, then it is valid (the signatures below are good)', async () => {
    expect(await vcq.service.credentials.verify({ vcJwt: credential({}) })).toMatchObject({ valid: true, error: null });
  });

  it.each(BROKEN_CRIT)('when a credential header has crit with %s, then it is malformed', async (_, header) => {
    expect(await vcq.service.credentials.verify({ vcJwt: credential(header) })).toEqual({
      valid: false,
      claims: null,
      issuer: null,
      subject: null,
      error: 'malformed',
    });
  });

  it.each([
    ['an extension vcq does not understand', { crit: ['urn:example:policy'], 'urn:example:policy': 'strict' }, /header crit requires an extension vcq does not understand/],
    ['a name RFC 7515 defines', { crit: ['kid'] }, /header crit lists a parameter RFC 7515 itself defines/],
    ['an absent name', { crit: ['urn:example:absent'] }, /header crit names a parameter the header does not carry/],
    ['an empty array', { crit: [] }, /header crit must be a non-empty array of header parameter names/],
  ])('when a fetched status list has crit with %s, then the status check fails and says why', async (_, header, message) => {
    const path = `/crit/${encodeURIComponent(JSON.stringify(header))}`;
    const url = lists.publish(path, { header });

    const attempt = vcq.service.credentials.verify({ vcJwt: lists.credential(url, 0) });

    await expect(attempt).rejects.toMatchObject({ code: 'status_check_failed', message: expect.stringMatching(message) });
    await expect(attempt).rejects.toThrow(/is malformed: /);
    // The peer's header text is not repeated.
    await expect(attempt).rejects.not.toThrow(/urn:example/);
  });

  it('when a fetched status list has no crit, then the same credential checks out', async () => {
    const url = lists.publish('/crit/none');

    expect(await vcq.service.credentials.verify({ vcJwt: lists.credential(url, 0) })).toMatchObject({ valid: true, error: null });
  });
});
