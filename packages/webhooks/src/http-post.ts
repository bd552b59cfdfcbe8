/**
 * One HTTP POST to a receiver, over node:http(s) rather than fetch, because it can
 * connect to exactly the addresses the callback URL check approved (no second DNS
 * lookup to rebind) and it never follows redirects.
 */
import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface PostRequest {
  url: URL;
  /** The addresses to connect to; the host name still goes into Host and TLS SNI. */
  addresses: LookupAddress[];
  headers: Record<string, string>;
  body: string;
  /** Covers connecting, sending and the answer's headers. */
  timeoutMs: number;
}

export type PostResult =
  | { kind: 'answered'; statusCode: number; location: string | undefined; excerpt: string; durationMs: number }
  | { kind: 'timeout'; durationMs: number }
  | { kind: 'network'; error: Error; durationMs: number };

// Enough of an error page to tell the user what the receiver objected to, no more.
const EXCERPT_BYTES = 300;

/** Sends the request once; never throws, so every outcome can be recorded. */
export function postOnce(req: PostRequest): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<PostResult>((resolve) => {
    let settled = false;
    let response: IncomingMessage | undefined;
    let answeredAfterMs = 0;
    const chunks: Buffer[] = [];
    const excerpt = () => Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
    const settle = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Nothing more is wanted from this connection; agent: false means it is not pooled.
      response?.destroy();
      outgoing.destroy();
      resolve(result);
    };

    const outgoing = send(req.url, {
      method: 'POST',
      headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
      lookup: pinnedLookup(req.addresses),
      agent: false,
    });

    const timer = setTimeout(() => {
      // With the status line in hand the answer is known; only the excerpt is cut short.
      if (response) settle(answered(response, excerpt(), answeredAfterMs));
      else settle({ kind: 'timeout', durationMs: elapsed() });
    }, req.timeoutMs);

    outgoing.on('error', (error) => settle({ kind: 'network', error, durationMs: elapsed() }));
    outgoing.on('response', (res) => {
      response = res;
      answeredAfterMs = elapsed();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        settle(answered(res, '', answeredAfterMs));
        return;
      }
      let size = 0;
      const finish = () => settle(answered(res, excerpt(), answeredAfterMs));
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= EXCERPT_BYTES) finish();
      });
      res.on('end', finish);
      res.on('error', finish);
      res.on('close', finish);
    });
    outgoing.end(req.body);
  });
}

function answered(res: IncomingMessage, excerpt: string, durationMs: number): PostResult {
  return { kind: 'answered', statusCode: res.statusCode ?? 0, location: res.headers.location, excerpt, durationMs };
}

/** A lookup that answers with the pre-checked addresses instead of asking DNS again. */
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
      callback(Object.assign(new Error(`no IPv${family} address for the callback host`), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    callback(null, first.address, first.family);
  };
}
