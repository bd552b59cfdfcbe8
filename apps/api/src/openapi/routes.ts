/**
 * `GET /openapi.json` and the Swagger UI page at `GET /docs`. Swagger UI's files
 * come from the `swagger-ui-dist` package and are served from here (no CDN), and
 * the page has no inline script or style, so it runs under a `default-src 'self'`
 * Content-Security-Policy; only the stylesheet's icons, `data:` SVGs, also want
 * `img-src 'self' data:`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import { z } from 'zod';
import { RouteGroup } from '../routing.js';

/** Where `/docs` loads its scripts and styles from. */
export const DOCS_ASSETS_PATH = '/docs/assets';

const pageDir = fileURLToPath(new URL('./docs-page/', import.meta.url));
// package.json, not the package itself: its main module would load the whole UI bundle into Node.
const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// Only the files the page uses; the package also holds a demo page pointing at the Petstore.
const assets = new Map<string, string>([
  ['swagger-ui.css', join(swaggerUiDir, 'swagger-ui.css')],
  ['index.css', join(swaggerUiDir, 'index.css')],
  ['swagger-ui-bundle.js', join(swaggerUiDir, 'swagger-ui-bundle.js')],
  ['favicon-32x32.png', join(swaggerUiDir, 'favicon-32x32.png')],
  ['docs-init.js', join(pageDir, 'docs-init.js')],
]);

/** `GET /openapi.json` and `GET /docs` (public); the document is passed in, since it is built from these declarations too. */
export const docsRoutes = new RouteGroup<{ document: () => object }>()
  .get(
    {
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI 3.1 document',
      tag: 'Documentation',
      auth: 'none',
      responses: { 200: { description: 'The document.', schema: z.record(z.string(), z.unknown()) } },
    },
    ({ res, deps }) => {
      documentJson ??= JSON.stringify(deps.document());
      res.type('application/json').send(documentJson);
    },
  )
  .get(
    {
      path: '/docs',
      operationId: 'getDocsPage',
      summary: 'Interactive API documentation (Swagger UI)',
      tag: 'Documentation',
      auth: 'none',
      responses: { 200: { description: 'An HTML page.', mediaType: 'text/html', schema: z.string() } },
    },
    ({ res }) => {
      page ??= readFileSync(join(pageDir, 'index.html'), 'utf8');
      res.type('html').setHeader('cache-control', 'no-cache').send(page);
    },
  );

// The document and the page are the same for the life of the process.
let documentJson: string | undefined;
let page: string | undefined;

/** The page's scripts and styles (not API operations, so not in the document). */
export function docsAssets(): Router {
  const router = Router();
  router.get(`${DOCS_ASSETS_PATH}/:file`, (req, res, next) => {
    const file = assets.get(req.params.file);
    if (!file) {
      next();
      return;
    }
    // pnpm keeps packages under node_modules/.pnpm, which sendFile would refuse as a dotfile;
    // the names are an allowlist, so no request can reach any other file.
    res.sendFile(file, { maxAge: '1h', dotfiles: 'allow' });
  });
  return router;
}
