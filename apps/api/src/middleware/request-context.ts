import { randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
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

/** Per request: the app's logger, the fields the request's logger will carry, and that logger once made. */
interface LogState {
  logger: Logger;
  bindings: Record<string, unknown>;
  bound?: Logger;
}
const LOG_STATE = Symbol('vcq.requestLog');
type WithLogState = Express.Request & { [LOG_STATE]?: LogState };

/**
 * `req.log` as one accessor on Express's request prototype, reading the request's own
 * state: defining a property on every request object costs more than most requests'
 * work. On `express.request` itself, which every app's (and mounted sub-app's)
 * request prototype inherits, so it holds wherever the request is routed.
 */
function installLogAccessor(proto: object): void {
  Object.defineProperty(proto, 'log', {
    configurable: true,
    get(this: WithLogState): Logger {
      const state = this[LOG_STATE];
      // Before requestContext ran (a request refused ahead of it) there is none, as there was no property.
      if (!state) return undefined as unknown as Logger;
      state.bound ??= state.logger.child(state.bindings);
      return state.bound;
    },
    set(this: WithLogState, value: Logger) {
      const state = this[LOG_STATE];
      if (state) state.bound = value;
      else Object.defineProperty(this, 'log', { value, writable: true, configurable: true, enumerable: true });
    },
  });
}

installLogAccessor(express.request);

/** Adds fields to every line the request logs from now on (cheap until it logs). */
export function bindRequestLog(req: Express.Request, fields: Record<string, unknown>): void {
  const state = (req as WithLogState)[LOG_STATE];
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
    (req as WithLogState)[LOG_STATE] = { logger, bindings: { requestId: req.id } };
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
