/**
 * `createApp(deps)` builds the Express app without listening, so tests and the
 * server share one wiring. Route order matters: `/api` first (the busiest, and
 * every router a request passes costs it), then the public probes, metrics and docs,
 * then each other authenticated area with its scope, then the public DID documents
 * (their `/<path>/did.json` pattern must not shadow anything), then 404 and errors.
 *
 * Nothing of a body is read before its caller is known: each keyed route runs
 * authentication (refusing addresses that keep failing first), its rate limit and
 * the scope its declaration names, and only then reads its body (routing.ts).
 * Public routes read no body.
 */
import express from 'express';
import type { ApiKeySpec } from '@vcq/config';
import type { CredentialsService } from '@vcq/credentials';
import type { Db } from '@vcq/db';
import type { EmailSender } from '@vcq/emails';
import { ANALYTICS_NOT_CONFIGURED, type Handlers, type JobPlatform, QueueAdmin, type QueueOperations, type Tasks, type VcqCatalog } from '@vcq/app';
import type { JobWaiter, QueueSet } from '@vcq/jobs';
import type { Logger } from '@vcq/logger';
import type { VcqMetrics } from '@vcq/metrics';
import type { VcEventsService } from '@vcq/vc-events';
import { apiKeyAuth } from './middleware/auth.js';
import type { AuthFailureLimiter } from './middleware/auth-failures.js';
import { jsonBody } from './middleware/json-body.js';
import { browserGuard } from './middleware/browser-guard.js';
import { httpMetrics } from './middleware/metrics.js';
import { errorHandler, notFound } from './middleware/problem.js';
import { rateLimit, type RateLimiter } from './middleware/rate-limit.js';
import { requestContext } from './middleware/request-context.js';
import { corsFor, securityHeaders } from './middleware/security.js';
import { storableUrl } from './middleware/storable-url.js';
import { hashedUpload, hashedUploads } from './middleware/upload.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { docsAssets, docsRoutes } from './openapi/routes.js';
import { type BoundRoute, type Door, mountRoutes } from './routing.js';
import { credentialRoutes, publicDocumentRoutes, vcApiRoutes } from './routes/credentials.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { emailRoutes } from './routes/emails.js';
import { healthRoutes, metricsRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { queueAdminRoutes } from './routes/queue-admin.js';
import { queueOperationRoutes } from './routes/queue-operations.js';
import { taskAdminRoutes, webhookAdminRoutes } from './routes/tasks.js';
import { legacyVcEventRoutes, vcEventsAdminRoutes } from './routes/vc-events.js';
import { verificationRoutes } from './routes/verification.js';

export interface AppDeps {
  db: Db;
  platform: JobPlatform;
  queues: QueueSet<VcqCatalog> | null;
  handlers: Handlers;
  logger: Logger;
  apiKeys: ApiKeySpec[];
  maxUploadBytes: number;
  defaultRegistryAddress: string | undefined;
  probeTimeoutMs: number;
  credentials: CredentialsService;
  /** The email sender's submit-time check (templates, attachment cap) and whether SMTP_URL is set. */
  emails: Pick<EmailSender, 'check' | 'configured'>;
  preferWaitMaxSeconds: number;
  /** BATCH_MAX_ITEMS: the most items one batch may hold. */
  batchMaxItems: number;
  metrics: VcqMetrics;
  /** METRICS_TOKEN: a scrape of /metrics must send it as a bearer token. */
  metricsToken: string | undefined;
  /** METRICS_PORT is set: /metrics has its own listener and is not served here. */
  metricsOnOwnPort: boolean;
  rateLimiter: RateLimiter | null;
  /** Failed authentications per client address (AUTH_FAILURE_RATE_LIMIT_*), or null for no limit. */
  authFailures: AuthFailureLimiter | null;
  /** Express's `trust proxy` (TRUST_PROXY): which X-Forwarded-For hops name the client. */
  trustProxy: boolean | number | string[];
  corsOrigins: string[];
  /** PUBLIC_BASE_URL: this deployment's own origin, for the cross-site check. */
  publicBaseUrl: string;
  jsonBodyLimit: string;
  watcher: JobWaiter;
  /** Bull Board at /admin/queues (its own Redis connection), or null for none. */
  dashboard: express.Router | null;
  /** Workers, dead letters, bulk retries and queue limits. */
  operations: QueueOperations;
  /** WORKER_HEARTBEAT_MS, as GET /queue/workers reports it. */
  heartbeatMs: number;
  /** Scheduled tasks: their state, runs and manual triggers. */
  tasks: Tasks;
  /** ENABLE_TASK_SCHEDULING, as GET /admin/tasks reports it. */
  schedulingEnabled: boolean;
  vcEvents: VcEventsService;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.trustProxy);
  app.use(requestContext(deps.logger));
  app.use(httpMetrics(deps.metrics));
  app.use(securityHeaders());
  // Every authenticated write, on every route: no page of another site can make a browser act.
  app.use(browserGuard({ corsOrigins: deps.corsOrigins, publicBaseUrl: deps.publicBaseUrl }));
  if (deps.corsOrigins.length > 0) app.use(corsFor(deps.corsOrigins));
  app.use(storableUrl);

  const door: Door = {
    auth: apiKeyAuth(deps.apiKeys, { failures: deps.authFailures }),
    limit: rateLimit(deps.rateLimiter),
    json: jsonBody(deps.jsonBodyLimit),
    upload: hashedUpload(deps.maxUploadBytes),
    uploads: hashedUploads(deps.maxUploadBytes, deps.batchMaxItems),
  };
  const responder = { platform: deps.platform, preferWaitMaxSeconds: deps.preferWaitMaxSeconds, watcher: deps.watcher, batchMaxItems: deps.batchMaxItems };
  const credentials = { ...responder, credentials: deps.credentials };
  const taskDeps = {
    tasks: deps.tasks,
    schedulingEnabled: deps.schedulingEnabled,
    preferWaitMaxSeconds: deps.preferWaitMaxSeconds,
    unavailable: deps.vcEvents.configured ? {} : { 'vc-events': ANALYTICS_NOT_CONFIGURED },
  };

  const routes = (prefix: string, bound: BoundRoute[]) => mountRoutes(app, prefix, bound, door);

  // The busiest routes first: every router entered on the way costs each request.
  routes('/api', [
    ...verificationRoutes.bind({ ...responder, handlers: deps.handlers, defaultRegistryAddress: deps.defaultRegistryAddress }),
    ...credentialRoutes.bind(credentials),
    ...emailRoutes.bind({ ...responder, emails: deps.emails }),
    ...jobRoutes.bind({ store: deps.platform.store, watcher: deps.watcher }),
  ]);
  routes('', healthRoutes.bind({ db: deps.db, queues: deps.queues, timeoutMs: deps.probeTimeoutMs }));
  if (!deps.metricsOnOwnPort) routes('', metricsRoutes.bind({ metrics: deps.metrics, token: deps.metricsToken }));
  routes('', docsRoutes.bind({ document: buildOpenApiDocument }));
  app.use(docsAssets());

  routes('/credentials', vcApiRoutes.bind(credentials));
  routes('/queue', [
    ...queueAdminRoutes.bind({ admin: new QueueAdmin({ platform: deps.platform, queues: deps.queues, limits: (name) => deps.operations.limits(name) }) }),
    ...queueOperationRoutes.bind({ operations: deps.operations, heartbeatMs: deps.heartbeatMs }),
  ]);
  routes('/admin/tasks', taskAdminRoutes.bind(taskDeps));
  routes('/admin/vc-events', vcEventsAdminRoutes.bind({ ...taskDeps, vcEvents: deps.vcEvents }));
  routes('/webhooks', webhookAdminRoutes.bind(taskDeps));
  routes('/users/vc', legacyVcEventRoutes.bind({ vcEvents: deps.vcEvents }));
  if (deps.dashboard) routes('/admin/queues', dashboardRoutes.bind({ dashboard: deps.dashboard }));
  routes('', publicDocumentRoutes.bind(deps.credentials));

  app.use(notFound);
  app.use(errorHandler(deps.maxUploadBytes));
  return app;
}
