/**
 * `createApp(deps)` builds the Express app without listening, so tests and the
 * server share one wiring.
 */
import express from 'express';
import type { Db } from '@vcq/db';
import type { CredentialsService } from '@vcq/credentials';
import type { Handlers, JobPlatform, QueueSet } from '@vcq/jobs';
import type { Logger } from '@vcq/logger';
import { requireApiKey } from './middleware/auth.js';
import { errorHandler, notFound } from './middleware/problem.js';
import { requestContext } from './middleware/request-context.js';
import { credentialRoutes, publicDocumentRoutes, vcApiRoutes } from './routes/credentials.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { verificationRoutes } from './routes/verification.js';

export interface AppDeps {
  db: Db;
  platform: JobPlatform;
  queues: QueueSet | null;
  handlers: Handlers;
  logger: Logger;
  apiKeys: string[];
  maxUploadBytes: number;
  defaultRegistryAddress: string | undefined;
  probeTimeoutMs: number;
  credentials: CredentialsService;
  preferWaitMaxSeconds: number;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestContext(deps.logger));
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));

  app.use(healthRoutes({ db: deps.db, queues: deps.queues, timeoutMs: deps.probeTimeoutMs }));

  const responder = { platform: deps.platform, preferWaitMaxSeconds: deps.preferWaitMaxSeconds };
  const auth = requireApiKey(deps.apiKeys);
  const api = express.Router();
  api.use(auth);
  api.use(
    verificationRoutes({
      ...responder,
      handlers: deps.handlers,
      logger: deps.logger,
      maxUploadBytes: deps.maxUploadBytes,
      defaultRegistryAddress: deps.defaultRegistryAddress,
    }),
  );
  api.use(credentialRoutes({ ...responder, credentials: deps.credentials }));
  api.use(jobRoutes(deps.platform.store));
  app.use('/api', api);
  app.use('/credentials', auth, vcApiRoutes({ ...responder, credentials: deps.credentials }));
  app.use(publicDocumentRoutes(deps.credentials));

  app.use(notFound);
  app.use(errorHandler(deps.maxUploadBytes));
  return app;
}
