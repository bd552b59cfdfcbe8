/**
 * Every route group of the API, in the order the OpenAPI document lists them. app.ts
 * mounts the same groups (in the order requests need); `openapi.test.ts` checks that
 * what the app registers and what this catalog documents are the same routes.
 */
import { docsRoutes } from '../openapi/routes.js';
import type { RouteSpec } from '../routing.js';
import { credentialRoutes, publicDocumentRoutes, vcApiRoutes } from './credentials.js';
import { dashboardRoutes } from './dashboard.js';
import { emailRoutes } from './emails.js';
import { healthRoutes, metricsRoutes } from './health.js';
import { jobRoutes } from './jobs.js';
import { queueAdminRoutes } from './queue-admin.js';
import { queueOperationRoutes } from './queue-operations.js';
import { taskAdminRoutes, webhookAdminRoutes } from './tasks.js';
import { legacyVcEventRoutes, vcEventsAdminRoutes } from './vc-events.js';
import { verificationRoutes } from './verification.js';

const groups = [
  healthRoutes,
  metricsRoutes,
  docsRoutes,
  publicDocumentRoutes,
  verificationRoutes,
  jobRoutes,
  credentialRoutes,
  emailRoutes,
  vcApiRoutes,
  queueAdminRoutes,
  queueOperationRoutes,
  taskAdminRoutes,
  webhookAdminRoutes,
  vcEventsAdminRoutes,
  legacyVcEventRoutes,
  dashboardRoutes,
];

/** Every route's declaration. */
export function routeSpecs(): RouteSpec[] {
  return groups.flatMap((group) => group.specs);
}
