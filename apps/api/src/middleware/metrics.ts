/**
 * HTTP metrics and the `/metrics` endpoint. Requests are labelled by the route
 * TEMPLATE they matched (`/api/jobs/:id`), never by the raw URL, so the number of
 * series stays bounded whatever clients send.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import { SCRAPE_CHALLENGE, SCRAPE_REFUSED, scrapeAllowed, type VcqMetrics } from '@vcq/metrics';
import { sendProblem } from './problem.js';

/** The label for requests no route matched (404s, a keyed area's refusals of paths it has no route for, static files). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Times every request and records it by method, route template and status. */
export function httpMetrics(metrics: VcqMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const matched = trackRoute(req);
    // `close` comes after `finish` for every answer, and alone when the client went away
    // before the response was complete (its status line then means nothing).
    res.once('close', () => {
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      metrics.http.observe({ method: req.method, route: matched() ?? UNMATCHED_ROUTE, status }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

/** Answers a scrape with the registry in Prometheus text format; with `token` (METRICS_TOKEN), only one that sends it. */
export async function scrape(req: Request, res: Response, metrics: VcqMetrics, token: string | undefined): Promise<void> {
  if (!scrapeAllowed(req.header('authorization'), token)) {
    res.setHeader('WWW-Authenticate', SCRAPE_CHALLENGE);
    sendProblem(res, 401, 'unauthorized', SCRAPE_REFUSED);
    return;
  }
  const body = await metrics.render();
  res.setHeader('content-type', metrics.contentType);
  res.setHeader('cache-control', 'no-store');
  res.send(body);
}

/** Per request: the route Express matched and its full template, taken when it was set. */
interface RouteState {
  route?: Request['route'];
  template?: string;
}
const ROUTE_STATE = Symbol('vcq.routeTemplate');
type WithRouteState = Request & { [ROUTE_STATE]?: RouteState };

/**
 * Watches `req.route` being set and remembers `req.baseUrl` at that moment. Reading
 * both at `finish` is not enough: when a handler's error leaves its router, Express
 * restores `baseUrl` to the parent's, so an `/api/...` 400 would be labelled
 * without its `/api` mount. One accessor on Express's request prototype (which every
 * app's and sub-app's inherits) serves every request: a property defined per request
 * costs more than most requests' work.
 */
function trackRoute(req: Request): () => string | undefined {
  const state: RouteState = {};
  (req as WithRouteState)[ROUTE_STATE] = state;
  return () => state.template;
}

function installRouteAccessor(proto: object): void {
  Object.defineProperty(proto, 'route', {
    configurable: true,
    get(this: WithRouteState) {
      return this[ROUTE_STATE]?.route;
    },
    set(this: WithRouteState, value: Request['route']) {
      const state = this[ROUTE_STATE];
      if (!state) {
        Object.defineProperty(this, 'route', { value, writable: true, configurable: true, enumerable: true });
        return;
      }
      state.route = value;
      state.template = value ? templateOf(value, this.baseUrl) : undefined;
    },
  });
}

/** Templates by route and mount: a route lives as long as the app, and its template is worked out once per mount. */
const templates = new WeakMap<object, Map<string, string>>();

function templateOf(route: NonNullable<Request['route']>, baseUrl: string): string {
  let byBase = templates.get(route);
  if (!byBase) {
    byBase = new Map();
    templates.set(route, byBase);
  }
  let template = byBase.get(baseUrl);
  if (template === undefined) {
    template = joinPath(baseUrl, routePath(route.path));
    // A route under a parameterised mount would see a new baseUrl per request: those are not kept.
    if (byBase.size < 16) byBase.set(baseUrl, template);
  }
  return template;
}

function routePath(path: unknown): string {
  return Array.isArray(path) ? path.map(String).join(',') : String(path);
}

function joinPath(base: string, path: string): string {
  if (!base) return path;
  if (path === '/') return base;
  return `${base.replace(/\/$/, '')}${path.startsWith('/') ? '' : '/'}${path}`;
}

installRouteAccessor(express.request);
