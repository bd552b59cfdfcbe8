import { Router } from 'express';
import { NotFoundError } from '@vcq/errors';
import type { JobStore } from '@vcq/db';
import { jobView } from '../job-view.js';
import { isUuid } from '../validation.js';


/** `GET /api/jobs/:id`: a job of any queue. */
export function jobRoutes(store: JobStore): Router {
  const router = Router();
  router.get('/jobs/:id', async (req, res) => {
    const job = isUuid(req.params.id) ? await store.get(req.params.id) : null;
    if (!job) throw new NotFoundError(`no job ${req.params.id}`);
    res.json(jobView(job));
  });
  return router;
}
