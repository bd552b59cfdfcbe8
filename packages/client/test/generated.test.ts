/**
 * The checked-in client types are what the API's current OpenAPI document generates:
 * a route added or changed without `pnpm client:generate` fails here (and so in CI).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../../apps/api/src/openapi/document.js';
import { CLIENT_TYPES_FILE, generateClientTypes } from '../src/generate.js';

describe('the generated client types', () => {
  it('when regenerated from the API’s OpenAPI document, then they equal the checked-in file', async () => {
    const fresh = await generateClientTypes(buildOpenApiDocument());
    const checkedIn = await readFile(CLIENT_TYPES_FILE, 'utf8');
    // toBe would print both 4000-line files; a clear sentence says what to do.
    expect(fresh === checkedIn, 'packages/client/src/generated/openapi.ts is stale: run `pnpm client:generate` and commit it').toBe(true);
    expect(checkedIn).toContain('"/api/emails"');
  });

  it('when the document changes, then the generated types change with it', async () => {
    const document = structuredClone(buildOpenApiDocument()) as { paths: Record<string, unknown> };
    const before = await generateClientTypes(document);
    document.paths['/api/added-for-the-test'] = { get: { operationId: 'addedForTheTest', responses: { 204: { description: 'nothing' } } } };
    const after = await generateClientTypes(document);
    expect(before).not.toContain('/api/added-for-the-test');
    expect(after).toContain('"/api/added-for-the-test"');
  });
});
