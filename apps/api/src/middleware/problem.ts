/**
 * RFC 9457 problem documents. One error middleware maps every thrown error to a
 * problem+json answer and logs it once; a stack trace never reaches a client.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { MulterError } from 'multer';
import { AppError, type FieldError, INTERNAL_ERROR_MESSAGE, shortError } from '@vcq/errors';
import { isDatabaseUnavailable } from '@vcq/db';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The problem type's short string (`Job not found`), which Internet ID clients show; see shortError. */
  error: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The problem document for `status`; `code` becomes the `type` URN and decides the short `error`. */
export function problem(status: number, code: string, detail: string, extra: Omit<Partial<Problem>, 'status'> = {}): Problem {
  return { type: `urn:vcq:problem:${code}`, title: titles[status] ?? 'Error', status, detail, error: shortError(code, status), ...extra };
}

/** Whether the request still has body bytes nobody has read. */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete) return false;
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** How long, and how much, a client still sending a refused body is listened to after the answer. */
const LINGER_MS = 1000;
const LINGER_BYTES = 1024 * 1024;

/**
 * Ends the connection after this answer instead of reading the unread body (kept
 * alive, Node would read all of it to reach the next request). RFC 9112 §9.6: a
 * server that closes outright while the client is still sending makes the client's
 * TCP stack answer with a reset, and the client loses the answer. So the answer goes,
 * then a half-close, and what still arrives is discarded unparsed until the client
 * closes too, for at most LINGER_MS and LINGER_BYTES.
 */
function closeAfterAnswer(res: Response): void {
  res.setHeader('Connection', 'close');
  const req = res.req;
  const socket = req.socket;
  // Node calls this once the answer is written, for a response that said "close".
  socket.destroySoon = () => {
    socket.end();
    if (req.complete) {
      socket.destroy();
      return;
    }
    let discarded = 0;
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER_BYTES) socket.destroy();
    });
    // The whole body is in: nothing more may be read from this connection.
    req.once('end', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

/**
 * Sends a problem+json answer. A refusal that comes before the body was read (no
 * key, a bad route or URL, a declared size over the limit) closes the connection
 * rather than read the body (see closeAfterAnswer).
 */
export function sendProblem(res: Response, status: number, code: string, detail: string, extra: Omit<Partial<Problem>, 'status'> = {}): void {
  if (bodyPending(res.req)) closeAfterAnswer(res);
  res.status(status).type('application/problem+json').json(problem(status, code, detail, extra));
}

// Node's parser errors that have an answer of their own; every other one is a 400.
const clientErrorProblems: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'header_too_large', 'the request headers are larger than the server accepts (16 KiB in all, by default)'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'payload_too_large', 'the chunk extensions are larger than the server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'the request was not received in time'],
};

/**
 * The http server's `clientError` listener. Node answers a request it cannot parse
 * with a bare status line and no body; this answers problem+json like every other
 * route, straight onto the socket (there is no request or response object), then
 * closes the connection. Returns the status sent, or null when only the socket closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): number | null {
  // A response already on its way on this connection (keep-alive) must not be cut into.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return null;
  }
  const [status, code, detail] = clientErrorProblems[error.code ?? ''] ?? [400, 'bad_request', 'the request could not be parsed as HTTP/1.1'];
  const requestId = randomUUID();
  const body = JSON.stringify(problem(status, code, detail));
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'content-type: application/problem+json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
  // As Node does by default: what the client sends after an unparseable request is not read.
  socket.destroy();
  return status;
}

const multerProblems: Record<string, [number, string]> = {
  LIMIT_FILE_SIZE: [413, 'the uploaded file is larger than the upload limit'],
  LIMIT_UNEXPECTED_FILE: [400, 'unexpected file field; send exactly one file in the field "file"'],
  LIMIT_FILE_COUNT: [400, 'send exactly one file in the field "file"'],
  LIMIT_PART_COUNT: [400, 'too many multipart parts'],
  LIMIT_FIELD_COUNT: [400, 'too many form fields'],
  LIMIT_FIELD_VALUE: [400, 'a form field value is too long'],
  LIMIT_FIELD_KEY: [400, 'a form field name is too long'],
};

/** 404 for every route nobody registered. */
export const notFound: RequestHandler = (req, res) => {
  sendProblem(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
};

export function errorHandler(maxUploadBytes: number): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) {
      req.log?.warn({ err: error }, 'error after the response started');
      res.destroy();
      return;
    }
    if (error instanceof AppError) {
      if (error.status >= 500) req.log?.warn({ err: error, code: error.code }, error.message);
      else req.log?.info({ code: error.code, detail: error.message }, 'request rejected');
      if (error.status === 503) res.setHeader('Retry-After', String(error.extensions?.retryAfter ?? 5));
      // A 503 that names a job which may have been accepted points at where to look.
      if (typeof error.extensions?.pollUrl === 'string') res.setHeader('Location', error.extensions.pollUrl);
      sendProblem(res, error.status, error.code, error.message, { ...(error.errors?.length ? { errors: error.errors } : {}), ...error.extensions });
      return;
    }
    if (error instanceof MulterError) {
      const [status, detail] = multerProblems[error.code] ?? [400, error.message];
      const field = error.field ? [{ field: error.field, message: error.message }] : undefined;
      sendProblem(res, status, status === 413 ? 'payload_too_large' : 'invalid_upload', status === 413 ? `${detail} (${maxUploadBytes} bytes)` : detail, field ? { errors: field } : {});
      return;
    }
    // body-parser / busboy errors carry the status they mean (malformed JSON, bad multipart, ...).
    const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendProblem(res, status, status === 413 ? 'payload_too_large' : 'bad_request', (error as Error).message || 'malformed request');
      return;
    }
    if (error instanceof Error && /Multipart|Unexpected end of form|Malformed part header|boundary/i.test(error.message)) {
      sendProblem(res, 400, 'invalid_upload', `malformed multipart body: ${error.message}`);
      return;
    }
    if (isDatabaseUnavailable(error)) {
      req.log?.error({ err: error }, 'database unavailable');
      res.setHeader('Retry-After', '5');
      sendProblem(res, 503, 'database_unavailable', 'the database is unavailable; try again shortly');
      return;
    }
    req.log?.error({ err: error }, 'unhandled error');
    sendProblem(res, 500, 'internal_error', INTERNAL_ERROR_MESSAGE, { requestId: res.getHeader('x-request-id') });
  };
}
