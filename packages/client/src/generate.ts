/**
 * Turns vcq's OpenAPI document into the client's types (openapi-typescript). The
 * output is checked in (src/generated/openapi.ts) and a test regenerates it from the
 * API's current document, so the client cannot drift from the routes.
 */
import openapiTS, { astToString } from 'openapi-typescript';

const HEADER = `/**
 * vcq's HTTP API as TypeScript types, generated from its OpenAPI document by
 * openapi-typescript. Do not edit: run \`pnpm client:generate\` (the client's test
 * fails when this file and the API's document disagree).
 */

`;

/** The types file for `document` (an OpenAPI 3.1 object), as it is checked in. */
export async function generateClientTypes(document: Record<string, unknown>): Promise<string> {
  // A copy: openapi-typescript annotates the object it is given.
  const ast = await openapiTS(structuredClone(document) as never, { alphabetize: false, exportType: false, rootTypes: false });
  return HEADER + astToString(ast);
}

/** Where the generated types live. */
export const CLIENT_TYPES_FILE = new URL('./generated/openapi.ts', import.meta.url).pathname;
