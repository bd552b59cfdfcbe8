/**
 * Status lists of other hosts, kept decoded per URL while they are fresh, so that many
 * verifications against one list cost one fetch, one signature check and one
 * decompression. Concurrent misses for one URL share a single load; a load that fails
 * is not kept (the next verification tries again).
 *
 * How long a list stays fresh is the soonest of: the list credential's own expiry
 * (`exp` / `validUntil`), its `ttl` (Bitstring Status List: milliseconds), the HTTP
 * answer's `Cache-Control` (`max-age` less `Age`; `no-store` and `no-cache` mean not
 * at all), and DEFAULT_STATUS_LIST_TTL_MS when none of them says anything.
 */

/** Five minutes: a revocation elsewhere is seen soon, and a busy verifier still fetches a list rarely. */
export const DEFAULT_STATUS_LIST_TTL_MS = 5 * 60_000;
const DEFAULT_MAX_ENTRIES = 1000;
// Entries are bounded by count and by the bytes they hold: one list may decode to
// megabytes, so a count alone would not bound memory.
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** A remote status list as it was checked when fetched; which credentials it may judge is checked per use. */
export interface LoadedStatusList {
  bits: Uint8Array;
  /** The list credential's issuer. */
  issuer: string;
  /** `credentialSubject.statusPurpose`, or null when the list names none. */
  purpose: string | null;
  /** Epoch milliseconds after which the list must be fetched again. */
  freshUntil: number;
}

/** What a deployment (or a test) may set about the cache; each has a default here. */
export interface StatusListCacheSettings {
  maxEntries?: number;
  maxBytes?: number;
  /** Freshness of a list that names no ttl and whose answer has no Cache-Control. */
  defaultTtlMs?: number;
}

/** Told about each status list of another host that is fetched and decoded (tests count them; metrics could). */
export interface StatusListObserver {
  fetched?(url: string): void;
  decoded?(url: string, bytes: number): void;
}

export interface StatusListCacheOptions extends Pick<StatusListCacheSettings, 'maxEntries' | 'maxBytes'> {
  /** Fetches, verifies and decodes the list at `url`; throws when it cannot be used. */
  load(url: string): Promise<LoadedStatusList>;
  now: () => Date;
}

export interface StatusListCache {
  /** The list at `url`: kept while fresh, else loaded once however many callers ask at the same time. */
  get(url: string): Promise<LoadedStatusList>;
}

/** The cache of remote status lists one verifier uses. */
export function createStatusListCache(options: StatusListCacheOptions): StatusListCache {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // Insertion order is age order: the first entry is the oldest.
  const entries = new Map<string, LoadedStatusList>();
  const loading = new Map<string, Promise<LoadedStatusList>>();
  let bytes = 0;

  const remove = (url: string) => {
    const entry = entries.get(url);
    if (!entry) return;
    entries.delete(url);
    bytes -= entry.bits.length;
  };

  const keep = (url: string, list: LoadedStatusList) => {
    remove(url);
    if (list.freshUntil <= options.now().getTime() || list.bits.length > maxBytes) return;
    while (entries.size > 0 && (entries.size >= maxEntries || bytes + list.bits.length > maxBytes)) {
      remove(entries.keys().next().value as string);
    }
    entries.set(url, list);
    bytes += list.bits.length;
  };

  return {
    get(url) {
      const cached = entries.get(url);
      if (cached) {
        if (cached.freshUntil > options.now().getTime()) return Promise.resolve(cached);
        remove(url);
      }
      const pending = loading.get(url);
      if (pending) return pending;
      const load = options
        .load(url)
        .then((list) => {
          keep(url, list);
          return list;
        })
        .finally(() => loading.delete(url));
      loading.set(url, load);
      return load;
    },
  };
}

/**
 * When a list fetched at `fetchedAt` (epoch ms) stops being fresh: the soonest of its
 * expiry (`expiresSeconds`), its `ttl` in milliseconds, the HTTP `cache-control`
 * (with `age`), and `defaultTtlMs` when none of those says anything.
 */
export function statusListFreshUntil(args: {
  fetchedAt: number;
  expiresSeconds: number | null;
  ttl: unknown;
  cacheControl: string | undefined;
  age: string | undefined;
  defaultTtlMs?: number;
}): number {
  const limits: number[] = [];
  if (args.expiresSeconds !== null) limits.push(args.expiresSeconds * 1000);
  // A ttl that is not a non-negative number is no instruction at all.
  const ttl = typeof args.ttl === 'number' && Number.isFinite(args.ttl) && args.ttl >= 0 ? args.ttl : null;
  if (ttl !== null) limits.push(args.fetchedAt + ttl);
  const httpLifetime = httpFreshnessMs(args.cacheControl, args.age);
  if (httpLifetime !== null) limits.push(args.fetchedAt + httpLifetime);
  // An expiry alone does not stretch freshness: a list valid for a year still changes
  // whenever its issuer revokes something.
  if (ttl === null && httpLifetime === null) limits.push(args.fetchedAt + (args.defaultTtlMs ?? DEFAULT_STATUS_LIST_TTL_MS));
  return Math.min(...limits);
}

/** How long an HTTP answer may be reused by `Cache-Control` (RFC 9111), or null when it does not say. */
function httpFreshnessMs(cacheControl: string | undefined, age: string | undefined): number | null {
  if (!cacheControl) return null;
  let maxAge: number | null = null;
  for (const directive of cacheControl.split(',')) {
    const [rawName = '', ...rest] = directive.split('=');
    const name = rawName.trim().toLowerCase();
    // no-cache asks for revalidation before reuse; vcq does not revalidate, so it refetches.
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name === 'max-age') {
      const value = rest.join('=').trim().replace(/^"(.*)"$/, '$1');
      if (/^\d+$/.test(value)) maxAge = Math.min(maxAge ?? Number.POSITIVE_INFINITY, Number(value));
    }
  }
  if (maxAge === null) return null;
  const ageSeconds = age !== undefined && /^\d+$/.test(age.trim()) ? Number(age.trim()) : 0;
  return Math.max(0, maxAge - ageSeconds) * 1000;
}
