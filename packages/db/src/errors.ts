/**
 * Recognises "the database is not reachable" among the errors Prisma and the pg
 * driver adapter throw, so the API can answer 503 instead of 500.
 */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const UNAVAILABLE_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P03', '08006', '08001', '08003']);

// What the driver adapter reports (raw queries surface it as P2010 with the adapter's
// error in `meta.driverAdapterError`).
const UNAVAILABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);

/** True when `error` (or its cause chain) says the database could not be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    const e = current as { name?: string; code?: string; kind?: string; message?: string; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    if (e.name === 'PrismaClientInitializationError') return true;
    if (e.code && (UNAVAILABLE_PRISMA_CODES.has(e.code) || UNAVAILABLE_NET_CODES.has(e.code))) return true;
    if (e.kind && UNAVAILABLE_ADAPTER_KINDS.has(e.kind)) return true;
    if (
      typeof e.message === 'string' &&
      /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Can't reach database|Server has closed the connection|Query read timeout/i.test(e.message)
    ) {
      return true;
    }
    current = e.meta?.driverAdapterError ?? e.cause;
  }
  return false;
}
