import { gzipSync } from 'node:zlib';
import { UpstreamError } from '@vcq/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CredentialsService, DEFAULT_STATUS_LIST_TTL_MS, type StatusListCacheSettings } from '../src/index.js';
import { foreignIssuer, type StatusListHost, startStatusListHost } from './status-list-host.js';
import { startVcqHost, type VcqHost } from './support.js';

// `lists` is another host publishing signed status lists of its own issuer; `vcq`
// verifies that issuer's credentials and so fetches them (over HTTP: allowlisted).
let lists: StatusListHost;
let vcq: VcqHost;
let paths = 0;

beforeAll(async () => {
  lists = await startStatusListHost();
  vcq = await startVcqHost({ didWebAllowHttpHosts: [lists.host] });
});

afterAll(async () => {
  await vcq?.close();
  await lists?.close();
});

/** A verifier with its own cache and a clock the test moves, reporting every fetch and decode. */
function verifier(settings?: StatusListCacheSettings) {
  const clock = { at: Date.now() };
  const fetched: string[] = [];
  const decoded: string[] = [];
  const service: CredentialsService = vcq.withDeps({
    now: () => new Date(clock.at),
    statusListObserver: { fetched: (url) => fetched.push(url), decoded: (url) => decoded.push(url) },
    ...(settings ? { statusListCache: settings } : {}),
  });
  const verify = (vcJwt: string) => service.credentials.verify({ vcJwt });
  return { clock, fetched, decoded, verify };
}

function newPath(): string {
  return `/lists/${++paths}`;
}

describe('status lists of other hosts are cached', () => {
  it('when 40 verifications against one list run at once, then the list is fetched once and decoded once, and each gets its own bit', async () => {
    const path = newPath();
    const url = lists.publish(path, { revoked: [7, 31] });
    const { verify, fetched, decoded } = verifier();

    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => verify(lists.credential(url, i))));

    expect(lists.fetches(path)).toBe(1);
    expect(fetched).toEqual([url]);
    expect(decoded).toEqual([url]);
    results.forEach((result, i) => {
      expect(result, `index ${i}`).toMatchObject(i === 7 || i === 31 ? { valid: false, error: 'revoked' } : { valid: true, error: null });
    });
  });

  it('when a list names no ttl and no Cache-Control, then it is kept for the default five minutes and a later revocation shows after that', async () => {
    const path = newPath();
    const url = lists.publish(path);
    const { verify, clock } = verifier();
    const vcJwt = lists.credential(url, 3);
    const start = clock.at;

    expect(await verify(vcJwt)).toMatchObject({ valid: true });
    lists.publish(path, { revoked: [3] });
    clock.at = start + DEFAULT_STATUS_LIST_TTL_MS - 1_000;
    expect(await verify(vcJwt)).toMatchObject({ valid: true });
    expect(lists.fetches(path)).toBe(1);

    clock.at = start + DEFAULT_STATUS_LIST_TTL_MS + 1_000;
    expect(await verify(vcJwt)).toMatchObject({ valid: false, error: 'revoked' });
    expect(lists.fetches(path)).toBe(2);
  });

  const inTwoMinutes = () => new Date(Date.now() + 120_000).toISOString();
  it.each([
    ['a ttl of 30 s', () => ({ ttl: 30_000 }), 30_000],
    ['Cache-Control max-age=60', () => ({ headers: { 'cache-control': 'public, max-age=60' } }), 60_000],
    ['max-age=90 of which Age says 30 are gone', () => ({ headers: { 'cache-control': 'max-age=90', age: '30' } }), 60_000],
    ['a ttl of 20 s under a max-age of 600', () => ({ ttl: 20_000, headers: { 'cache-control': 'max-age=600' } }), 20_000],
    ['a max-age of 45 under a ttl of 10 minutes', () => ({ ttl: 600_000, headers: { 'cache-control': 'max-age=45' } }), 45_000],
    ['a validUntil two minutes ahead', () => ({ validUntil: inTwoMinutes() }), 120_000],
    ['an exp two minutes ahead', () => ({ exp: Math.floor(Date.now() / 1000) + 120 }), 120_000],
    ['a ttl of one hour', () => ({ ttl: 3_600_000 }), 3_600_000],
  ])('when the list has %s, then it is kept that long and fetched again after', async (_, hints, freshMs) => {
    const path = newPath();
    const { verify, clock } = verifier();
    const start = clock.at;
    const url = lists.publish(path, hints());
    const vcJwt = lists.credential(url, 1);

    expect(await verify(vcJwt)).toMatchObject({ valid: true });
    clock.at = start + freshMs - 2_000;
    expect(await verify(vcJwt)).toMatchObject({ valid: true });
    expect(lists.fetches(path)).toBe(1);
    clock.at = start + freshMs + 2_000;
    // What a list that has expired meanwhile is replaced with.
    lists.publish(path, { ttl: 60_000 });
    expect(await verify(vcJwt)).toMatchObject({ valid: true });
    expect(lists.fetches(path)).toBe(2);
  });

  it.each([
    ['a ttl of 0', { ttl: 0 }],
    ['Cache-Control max-age=0', { headers: { 'cache-control': 'max-age=0' } }],
    ['Cache-Control no-store', { headers: { 'cache-control': 'no-store' } }],
    ['Cache-Control no-cache', { headers: { 'cache-control': 'private, no-cache' } }],
    ['max-age=100 with Age 100', { headers: { 'cache-control': 'max-age=100', age: '100' } }],
  ])('when the list has %s, then every verification fetches it again', async (_, hints) => {
    const path = newPath();
    const url = lists.publish(path, hints);
    const { verify, decoded } = verifier();
    const vcJwt = lists.credential(url, 2);

    expect(await verify(vcJwt)).toMatchObject({ valid: true });
    expect(await verify(vcJwt)).toMatchObject({ valid: true });

    expect(lists.fetches(path)).toBe(2);
    expect(decoded).toEqual([url, url]);
  });

  it.each([
    ['a negative ttl', -5],
    ['a ttl that is a string', '60000'],
  ])('when the list has %s, then it is ignored and the default applies', async (_, ttl) => {
    const path = newPath();
    const url = lists.publish(path, { ttl });
    const { verify, clock } = verifier();
    const vcJwt = lists.credential(url, 2);
    const start = clock.at;

    await verify(vcJwt);
    clock.at = start + DEFAULT_STATUS_LIST_TTL_MS - 1_000;
    await verify(vcJwt);
    expect(lists.fetches(path)).toBe(1);
    clock.at = start + DEFAULT_STATUS_LIST_TTL_MS + 1_000;
    await verify(vcJwt);
    expect(lists.fetches(path)).toBe(2);
  });

  it('when fetching the list fails, then the failure is not kept: the next verification fetches again and succeeds', async () => {
    const path = newPath();
    const url = lists.publish(path, { status: 503 });
    const { verify, decoded } = verifier();
    const vcJwt = lists.credential(url, 4);

    await expect(verify(vcJwt)).rejects.toBeInstanceOf(UpstreamError);
    lists.publish(path);
    expect(await verify(vcJwt)).toMatchObject({ valid: true });

    expect(lists.fetches(path)).toBe(2);
    expect(decoded).toEqual([url]);
  });

  it('when the list does not verify, then that is not kept either, and a correctly signed list is used next time', async () => {
    const path = newPath();
    const url = lists.publish(path, { signedBy: foreignIssuer() });
    const { verify } = verifier();
    const vcJwt = lists.credential(url, 4);

    await expect(verify(vcJwt)).rejects.toMatchObject({ code: 'status_check_failed', message: expect.stringMatching(/does not verify \(bad_signature\)/) });
    lists.publish(path);
    expect(await verify(vcJwt)).toMatchObject({ valid: true });
    expect(lists.fetches(path)).toBe(2);
  });

  it('when a cached list is named by a credential of another issuer, then it is still refused', async () => {
    const path = newPath();
    const url = lists.publish(path);
    const { verify } = verifier();
    expect(await verify(lists.credential(url, 5))).toMatchObject({ valid: true });

    const intruder = lists.credential(url, 5, foreignIssuer());

    await expect(verify(intruder)).rejects.toMatchObject({ code: 'status_check_failed', message: expect.stringMatching(/is issued by another DID than the credential's issuer/) });
    expect(lists.fetches(path)).toBe(1);
  });

  it('when more lists are used than the cache holds, then the oldest is dropped and fetched again', async () => {
    const [a, b, c] = [newPath(), newPath(), newPath()];
    const urls = [a, b, c].map((path) => lists.publish(path));
    const { verify } = verifier({ maxEntries: 2 });

    for (const url of [...urls, urls[0]!]) expect(await verify(lists.credential(url, 0))).toMatchObject({ valid: true });

    expect([a, b, c].map((path) => lists.fetches(path))).toEqual([2, 1, 1]);
  });

  it('when the lists held would pass the byte budget, then older ones make room', async () => {
    const [a, b] = [newPath(), newPath()];
    const [urlA, urlB] = [a, b].map((path) => lists.publish(path)) as [string, string];
    // One 16 KiB list fits, two do not.
    const { verify } = verifier({ maxBytes: 20_000 });

    for (const url of [urlA, urlB, urlA]) await verify(lists.credential(url, 0));

    expect([lists.fetches(a), lists.fetches(b)]).toEqual([2, 1]);
  });
});

describe('decompressing a status list', () => {
  it('when a list is a gzip bomb, then zlib stops at the size cap, the check fails, and nothing is kept', async () => {
    // 64 MiB of zeros is 64 KiB of gzip: a body well under the fetch cap.
    const bomb = `u${gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }).toString('base64url')}`;
    const path = newPath();
    const url = lists.publish(path, { encodedList: bomb });
    const { verify, decoded } = verifier();
    const vcJwt = lists.credential(url, 0);

    const error = await verify(vcJwt).then(
      () => expect.fail('the bomb was decoded'),
      (e: unknown) => e as Error & { cause?: Error & { cause?: NodeJS.ErrnoException } },
    );

    expect(error).toMatchObject({ code: 'status_check_failed', message: expect.stringMatching(/encodedList is not GZIP data within 16777216 bytes/) });
    // Refused by the output limit itself, not after inflating everything.
    expect(error.cause?.cause?.code).toBe('ERR_BUFFER_TOO_LARGE');
    expect(decoded).toEqual([]);
    await verify(vcJwt).catch(() => undefined);
    expect(lists.fetches(path)).toBe(2);
  });
});
