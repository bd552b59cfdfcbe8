/**
 * Bull Board at `/admin/queues`: a read-only view of every catalog queue for
 * operators. Authentication and the admin scope come from its declaration.
 *
 * The board has its own Redis connection and Queues rather than the API's: the
 * producer connection fails fast, and a BullMQ Queue initialises once, at
 * construction, so one made on it while Redis is down stays broken. A retrying
 * connection lets the board's Queues wait for Redis instead.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { baseCatalog, queueNames } from '@vcq/app';
import { closeRedis, createWorkerConnection, QueueSet, type RedisConnection } from '@vcq/jobs';
import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { RouteGroup } from '../routing.js';

export interface DashboardOptions {
  /** Redis backend: the board opens its own retrying connection to this URL. */
  redisUrl?: string;
  /** Redis backend, instead of `redisUrl`: opens the board's own retrying connection (a cluster's, say). */
  connect?: () => RedisConnection;
  /** PostgreSQL backend: the API's own queues (they have no fail-fast connection to avoid). */
  queues?: QueueSet;
  /** The deployment's Redis key prefix (QUEUE_PREFIX). */
  prefix: string;
  /** Where the router is mounted; the page's links and API calls are built from it. */
  basePath: string;
}

/** `GET /admin/queues` and everything under it: the board's page, assets and data API. */
export const dashboardRoutes = new RouteGroup<{ dashboard: RequestHandler }>().app(
  {
    path: '/admin/queues',
    operationId: 'getQueueDashboard',
    summary: 'Queue dashboard (Bull Board, read-only)',
    description: 'An HTML application; browsers can sign in with Basic authentication, the API key as password.',
    tag: 'Queue administration',
    auth: 'admin',
    responses: { 200: { description: 'The dashboard.', mediaType: 'text/html', schema: z.string() } },
  },
  (deps) => deps.dashboard,
);

/** The dashboard's router; `close()` releases its Redis connection. */
export type DashboardRouter = Router & { close(): Promise<void> };


interface Board {
  app: express.Express;
  close(): Promise<void>;
}

/** Bull Board for every catalog queue; connects to Redis on its first request. */
export function dashboardRouter(options: DashboardOptions): DashboardRouter {
  // Built lazily so an API whose dashboard nobody opens holds no extra connection.
  let board: Board | undefined;
  let closed = false;
  const router = express.Router();
  router.use((req, res, next) => {
    // After close() the board must not reconnect; the request falls through to 404.
    if (closed) return next();
    board ??= createBoard(options);
    board.app(req, res, next);
  });
  return Object.assign(router, {
    async close() {
      closed = true;
      await board?.close();
    },
  });
}

function createBoard(options: DashboardOptions): Board {
  const connection = options.queues ? null : (options.connect?.() ?? createWorkerConnection(options.redisUrl as string));
  // The timeout only bounds adds, which the board never makes.
  const queues = options.queues ?? new QueueSet({ catalog: baseCatalog, connection: connection ?? undefined, prefix: options.prefix, timeoutMs: 5000 });
  const serverAdapter = new ExpressAdapter().setBasePath(options.basePath);
  createBullBoard({
    // Read-only: the board's retry/remove/clean write to Redis alone, while the
    // /queue admin routes keep the Postgres rows in step with what they change.
    queues: queueNames.map((name) => new BullMQAdapter(queues.queue(name), { readOnlyMode: true })),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'vcq queues',
        // The board only reads; its header says where the writes that keep Postgres in step are.
        miscLinks: [
          { text: 'Dead letters (API)', url: '/docs#/Queue%20administration/listDeadLetters' },
          { text: 'Bulk retry (API)', url: '/docs#/Queue%20administration/retryQueueJobs' },
        ],
      },
    },
  });
  const app = serverAdapter.getRouter() as express.Express;
  // A mounted sub-app has its own settings; without this it re-adds the header helmet removed.
  app.disable('x-powered-by');
  return {
    app,
    async close() {
      // Borrowed queues are closed by their owner.
      if (!connection) return;
      await queues.close();
      await closeRedis(connection);
    },
  };
}
