/**
 * Small pieces for reading what other hosts send (manifests, DID documents, status
 * lists): they are untrusted, so a body is never read past a size cap.
 */

/**
 * Reads a response body, giving up as soon as it passes `maxBytes` (declared by
 * Content-Length or seen while streaming): the bytes, or null when it was too large.
 * The body is cancelled when refused; read errors are thrown as they come.
 */
export async function readCappedBody(response: Response, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

export { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.js';
