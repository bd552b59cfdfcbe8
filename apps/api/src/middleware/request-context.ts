import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '@vcq/logger';

declare global {
  namespace Express {
    interface Request {
      id: string;
      /** The request's logger, bound to its id (and API key, once known); made on first use. */
      log: Logger;
    }
  }
}

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Per request: the fields its logger will carry, and the logger once made. */
const logState = new WeakMap<object, { bindings: Record<string, unknown>; bound?: Logger }>();

/** Adds fields to every line the request logs from now on (cheap until it logs). */
export function bindRequestLog(req: Express.Request, fields: Record<string, unknown>): void {
  const state = logState.get(req);
  if (state && !state.bound) Object.assign(state.bindings, fields);
  else req.log = req.log.child(fields);
}

/** Gives every request an id (the caller's x-request-id if sane), a child logger and an access log line. */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.header('x-request-id');
    req.id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
    // Binding a child logger costs more than many a request's own work, and most
    // requests log nothing beyond the access line: it is made when first used.
    const state: { bindings: Record<string, unknown>; bound?: Logger } = { bindings: { requestId: req.id } };
    logState.set(req, state);
    Object.defineProperty(req, 'log', {
      configurable: true,
      enumerable: true,
      get: () => {
        state.bound ??= logger.child(state.bindings);
        return state.bound;
      },
      set: (value: Logger) => {
        state.bound = value;
      },
    });
    res.setHeader('x-request-id', req.id);
    if (logger.isLevelEnabled('info')) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        req.log.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
      });
    }
    next();
  };
}
