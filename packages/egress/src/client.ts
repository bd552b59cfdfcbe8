/**
 * The egress client: the one way vcq makes a request on a caller's behalf. Per hop it
 * resolves the name once, checks every address against the block list (unless the
 * host is on EGRESS_ALLOW_PRIVATE_HOSTS), and connects to exactly the addresses it
 * checked, so a second DNS answer cannot slip in between check and use (rebinding).
 * Redirects are followed by hand, each hop checked the same way; one deadline covers
 * resolving, connecting, the headers and the body of every hop; bodies are capped.
 *
 * node:http(s) rather than fetch: fetch cannot be told which address to connect to.
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { AppError, ValidationError } from '@vcq/errors';
import { classifyAddress } from './address-ranges.js';
import { describeNetworkError, EgressRefusedError, EgressTooLargeError, EgressUnreachableError } from './errors.js';
import { hostListMatches } from './host-list.js';

/** Resolves a host name to every address it has, as `dns.promises.lookup(host, { all: true })` does. */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

export interface EgressLogger {
  debug(obj: object, msg?: string): unknown;
}

export interface EgressClientOptions {
  /** EGRESS_ALLOW_PRIVATE_HOSTS: `host` or `host:port` entries that may be private. */
  allowPrivateHosts: readonly string[];
  /** DNS; the system resolver (getaddrinfo, so /etc/hosts counts) unless given. */
  resolve?: HostResolver;
  /** The deadline of a request that names none. */
  timeoutMs: number;
  /** The body cap of a request that names none. */
  maxBytes: number;
  /** Redirects followed before a request is refused; 3 unless given. */
  maxRedirects?: number;
  /** Gets what messages leave out (addresses, peer error text), at debug level. */
  log?: EgressLogger;
}

export interface EgressRequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** false: a 3xx is returned as it is, never followed (webhooks). true unless given. */
  followRedirects?: boolean;
  /** One deadline over every hop: resolving, connecting, headers and body. */
  timeoutMs?: number;
  maxBytes?: number;
  /** false: answer as soon as the status line and headers arrive; the body is dropped. */
  readBody?: boolean;
  /** Aborting rejects the request with the signal's reason. */
  signal?: AbortSignal;
  /** Whether plain http may be used for this hop's URL; every hop is asked. Always, unless given. */
  allowHttp?: (url: URL) => boolean;
  /** What is being fetched, for messages ("manifest ipfs://…"); the URL unless given. */
  what?: string;
}

export interface EgressResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
}

export interface CheckDestinationOptions {
  /** The request field the URL came from; refusals are ValidationErrors naming it. */
  field: string;
  /**
   * A name that does not resolve passes (the fetch later decides, and retries); by
   * default it is refused too.
   */
  allowUnknownHost?: boolean;
}

export interface EgressClient {
  /** Makes the request under the egress policy; see the module comment. */
  request(url: string | URL, options?: EgressRequestOptions): Promise<EgressResponse>;
  /**
   * Resolves and checks `url` as a request would, without connecting: for refusing a
   * caller's URL when the work is submitted (400 naming `field`).
   */
  checkDestination(url: string, options: CheckDestinationOptions): Promise<void>;
}

/** A hop that passed the policy: where to connect and what to call it in messages. */
interface Destination {
  url: URL;
  addresses: LookupAddress[];
}

/** The answer's status line and headers, its body not read yet. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  res: IncomingMessage;
}

const DEFAULT_MAX_REDIRECTS = 3;
// Failures where the name itself does not exist, as opposed to a resolver having a bad moment.
const NAME_NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Sent to the first origin only: a redirect elsewhere must not carry the caller's secrets on.
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** Builds the egress client a process uses for every request made on a caller's behalf. */
export function createEgressClient(options: EgressClientOptions): EgressClient {
  const resolve = options.resolve ?? systemResolve;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const log = options.log;

  /** Applies the policy to one hop; `hop` > 0 means the URL came from a peer's Location. */
  async function destination(url: URL, hop: number, what: string, signal: AbortSignal, allowHttp?: (url: URL) => boolean): Promise<Destination> {
    // A redirect target is the peer's text: messages say "a redirect", never its host.
    const where = hop === 0 ? url.hostname : 'a redirect';
    const refuse = (problem: string, code?: string) => {
      log?.debug({ what, url: url.href, hop, problem }, 'egress refused a destination');
      return new EgressRefusedError(`${what} is refused: ${problem}`, code ? { code } : {});
    };
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw refuse(hop === 0 ? `scheme "${url.protocol.replace(/:$/, '')}" is not supported; use http or https` : 'a redirect leads to a scheme other than http(s)');
    }
    if (url.protocol === 'http:' && allowHttp && !allowHttp(url)) {
      throw refuse(hop === 0 ? `only HTTPS is allowed for ${url.host}` : 'a redirect leads to plain HTTP where only HTTPS is allowed', 'insecure_url');
    }
    // Credentials would end up in rows and logs, and are no way to talk to vcq's peers.
    if (url.username !== '' || url.password !== '') throw refuse(hop === 0 ? 'URLs must not carry credentials' : 'a redirect leads to a URL with credentials');

    // The URL parser has already normalised IPv4 spellings such as 2130706433 or 0x7f.1.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const literal = isIP(host) !== 0;
    const addresses = literal ? [{ address: host, family: isIP(host) }] : await resolveName(host, hop, what, signal);
    if (hostListMatches(url, options.allowPrivateHosts)) return { url, addresses };

    // Every address counts: a client may connect to any of them, and a name that
    // mixes one public with one private address is a classic way around a check.
    for (const { address } of addresses) {
      let kind: string | null;
      try {
        kind = classifyAddress(address);
      } catch {
        kind = 'not an IP address';
      }
      if (!kind) continue;
      log?.debug({ what, url: url.href, hop, address, kind }, 'egress refused a private or reserved address');
      if (hop > 0) throw new EgressRefusedError(`${what} is refused: a redirect leads to a private or reserved address`);
      // A literal is the caller's own text, so naming its kind tells them nothing new.
      throw new EgressRefusedError(`${what} is refused: ${literal ? `${where} is not a public address (${kind})` : `${where} resolves to a private or reserved address`}`);
    }
    return { url, addresses };
  }

  async function resolveName(host: string, hop: number, what: string, signal: AbortSignal): Promise<LookupAddress[]> {
    const name = hop === 0 ? host : 'the host a redirect leads to';
    let addresses: LookupAddress[];
    try {
      addresses = await untilAborted(resolve(host), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? '';
      log?.debug({ what, host, code, err: (error as Error).message }, 'egress could not resolve a host');
      if (NAME_NOT_FOUND.has(code)) throw new EgressUnreachableError('unknown-host', `Could not resolve ${name} for ${what}: the name does not exist`, { cause: error });
      throw new EgressUnreachableError('dns', `Could not resolve ${name} for ${what}: ${describeNetworkError(error).replace(/^network error/, 'resolver failure')}`, { cause: error });
    }
    if (addresses.length === 0) throw new EgressUnreachableError('unknown-host', `Could not resolve ${name} for ${what}: it has no addresses`);
    return addresses;
  }

  return {
    async request(input, requestOptions = {}) {
      const timeoutMs = requestOptions.timeoutMs ?? options.timeoutMs;
      const maxBytes = requestOptions.maxBytes ?? options.maxBytes;
      const what = requestOptions.what ?? String(input);
      const follow = requestOptions.followRedirects ?? true;
      let method = requestOptions.method ?? 'GET';
      let body = requestOptions.body;
      const headers: Record<string, string> = Object.fromEntries(Object.entries(requestOptions.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));

      const deadline = startDeadline(timeoutMs, requestOptions.signal);
      try {
        let url = parseUrl(input, what);
        for (let hop = 0; ; hop++) {
          const target = await destination(url, hop, what, deadline.signal, requestOptions.allowHttp);
          const answer = await exchange(target, { method, headers, body }, deadline.signal, what, log);
          const location = answer.headers.location;
          if (follow && REDIRECTS.has(answer.status) && location !== undefined) {
            answer.res.destroy();
            if (hop >= maxRedirects) {
              throw new EgressRefusedError(`${what} is refused: it redirects more than ${maxRedirects} times`, { code: 'too_many_redirects' });
            }
            let next: URL;
            try {
              next = new URL(location, url);
            } catch (error) {
              throw new EgressRefusedError(`${what} is refused: a redirect leads to an invalid URL`, { cause: error });
            }
            if (next.origin !== url.origin) for (const name of ORIGIN_BOUND_HEADERS) delete headers[name];
            // As browsers and fetch do: 303, and 301/302 after a POST, continue as a GET without the body.
            if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
              method = 'GET';
              body = undefined;
              delete headers['content-type'];
            }
            url = next;
            continue;
          }
          if (requestOptions.readBody === false) {
            answer.res.destroy();
            return { status: answer.status, headers: answer.headers, body: Buffer.alloc(0), url: url.href };
          }
          const bytes = await readBody(answer.res, maxBytes, deadline.signal, what);
          return { status: answer.status, headers: answer.headers, body: bytes, url: url.href };
        }
      } catch (error) {
        if (deadline.signal.aborted && !(error instanceof AppError)) {
          if (requestOptions.signal?.aborted) throw requestOptions.signal.reason;
          throw new EgressUnreachableError('timeout', `Timed out after ${timeoutMs} ms ${method === 'GET' ? 'fetching' : 'sending to'} ${what}`, { cause: error });
        }
        throw error;
      } finally {
        deadline.clear();
      }
    },

    async checkDestination(input, check) {
      const { field } = check;
      const deadline = startDeadline(options.timeoutMs);
      let url: URL | undefined;
      try {
        url = parseUrl(input, field);
        await destination(url, 0, field, deadline.signal);
      } catch (error) {
        if (error instanceof EgressRefusedError) throw new ValidationError(error.message, [{ field, message: error.message }], { cause: error });
        if (error instanceof EgressUnreachableError && error.reason === 'unknown-host') {
          if (check.allowUnknownHost) return;
          const message = `${field} host ${url?.hostname ?? ''} does not resolve`;
          throw new ValidationError(message, [{ field, message }], { cause: error });
        }
        if (deadline.signal.aborted && !(error instanceof AppError)) {
          throw new EgressUnreachableError('timeout', `Timed out after ${options.timeoutMs} ms resolving the host of ${field}`, { cause: error });
        }
        throw error;
      } finally {
        deadline.clear();
      }
    },
  };
}

function parseUrl(input: string | URL, what: string): URL {
  if (input instanceof URL) return input;
  try {
    return new URL(input);
  } catch (error) {
    throw new EgressRefusedError(`${what} is refused: it is not an absolute http(s) URL`, { cause: error });
  }
}

/** Sends one request to a checked destination; resolves at the status line and headers. */
function exchange(
  target: Destination,
  request: { method: string; headers: Record<string, string>; body: string | Uint8Array | undefined },
  signal: AbortSignal,
  what: string,
  log: EgressLogger | undefined,
): Promise<Answer> {
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = { ...request.headers };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  else delete headers['content-length'];

  return new Promise<Answer>((resolve, reject) => {
    const outgoing = send(target.url, {
      method: request.method,
      headers,
      lookup: pinnedLookup(target.addresses),
      // No pooling: a pooled socket could be reused for a later request to a name that
      // now resolves elsewhere, and every request here is to someone else's server.
      agent: false,
      signal,
    });
    outgoing.on('error', (error) => {
      if (signal.aborted) return reject(signal.reason);
      log?.debug({ what, url: target.url.href, addresses: target.addresses, code: (error as NodeJS.ErrnoException).code, err: error.message }, 'egress request failed');
      reject(new EgressUnreachableError('network', `Could not reach ${what}: ${describeNetworkError(error)}`, { cause: error }));
    });
    outgoing.on('response', (res) => resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers), res }));
    outgoing.end(request.body);
  });
}

/** The body, refused as soon as it is known to pass `maxBytes` (declared or streamed). */
function readBody(res: IncomingMessage, maxBytes: number, signal: AbortSignal, what: string): Promise<Buffer> {
  const tooLarge = () => new EgressTooLargeError(`The answer from ${what} is larger than the ${maxBytes}-byte limit`, maxBytes);
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    return Promise.reject(tooLarge());
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: Error | null) => {
      if (done) return;
      done = true;
      if (error) {
        res.destroy();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return finish(tooLarge());
      chunks.push(chunk);
    });
    res.on('end', () => finish(null));
    res.on('error', (error) => finish(signal.aborted ? signal.reason : new EgressUnreachableError('network', `Could not read the answer from ${what}: ${describeNetworkError(error)}`, { cause: error })));
    res.on('close', () => finish(signal.aborted ? signal.reason : new EgressUnreachableError('network', `Could not read the answer from ${what}: the connection closed before it ended`)));
  });
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** A lookup that answers with the checked addresses instead of asking DNS again. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const usable = family ? addresses.filter((a) => a.family === family) : addresses;
    if (options.all) {
      callback(null, usable);
      return;
    }
    const first = usable[0];
    if (!first) {
      callback(Object.assign(new Error(`no IPv${family} address among the checked ones`), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    callback(null, first.address, first.family);
  };
}

/** One AbortSignal that fires at the deadline or when the caller's signal does. */
function startDeadline(timeoutMs: number, caller?: AbortSignal): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`deadline of ${timeoutMs} ms passed`)), timeoutMs);
  const onAbort = () => controller.abort(caller?.reason);
  if (caller?.aborted) onAbort();
  else caller?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}

/** `promise`, or the signal's reason if it aborts first (the work itself is not cancelled). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function systemResolve(hostname: string): Promise<LookupAddress[]> {
  return lookup(hostname, { all: true, verbatim: true });
}
