/**
 * What an outbound request can fail with, in vcq's error terms. Messages are vcq's own
 * words: they never carry bytes the peer sent (bodies, header values, parser quotes)
 * nor what an internal name resolves to; details go to the debug log only.
 */
import { PermanentJobError, UpstreamError } from '@vcq/errors';

/**
 * The destination is not one vcq will connect to: a private or reserved address, a
 * scheme or form it does not speak, too many redirects. Retrying cannot change that.
 */
export class EgressRefusedError extends PermanentJobError {
  override name = 'EgressRefusedError';
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'destination_refused', cause: options.cause });
  }
}

/** The answer is larger than the caller's cap (declared or while streaming). */
export class EgressTooLargeError extends PermanentJobError {
  override name = 'EgressTooLargeError';
  constructor(
    message: string,
    readonly maxBytes: number,
  ) {
    super(message, { code: 'response_too_large' });
  }
}

/**
 * Why a request did not get an answer: `timeout` (the deadline passed), `network`
 * (connect, TLS, reset, a peer that does not speak HTTP), `unknown-host` (the name
 * does not exist) or `dns` (the resolver failed for a reason that may pass).
 */
export type EgressFailure = 'timeout' | 'network' | 'unknown-host' | 'dns';

/** No answer this time; worth a retry (UpstreamError). */
export class EgressUnreachableError extends UpstreamError {
  override name = 'EgressUnreachableError';
  constructor(
    readonly reason: EgressFailure,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

// errno and TLS codes as vcq describes them. The codes themselves are constants and
// safe to show; the messages beside them are not (they name the address connected to).
const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the peer',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed by the peer',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  EADDRNOTAVAIL: 'no local address to connect from',
  EPROTO: 'protocol error',
  ERR_SOCKET_CONNECTION_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the peer',
};

/** The vcq wording of a socket, TLS or HTTP-parser failure, from its code only. */
export function describeNetworkError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[A-Z0-9_]{2,64}$/.test(code)) return 'network error';
  const words = NETWORK_WORDS[code];
  if (words) return `${words} (${code})`;
  // Node's HTTP parser (HPE_*): the peer answered with something that is not HTTP.
  if (code.startsWith('HPE_')) return `the answer was not valid HTTP (${code})`;
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code)) {
    return `TLS failed (${code})`;
  }
  return `network error (${code})`;
}
