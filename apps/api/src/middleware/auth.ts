import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sendProblem } from './problem.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * API-key check: `x-api-key` or `Authorization: Bearer <key>`. Keys are compared as
 * SHA-256 digests in constant time, so timing says nothing about a key's prefix.
 */
export function requireApiKey(keys: string[]): RequestHandler {
  const known = keys.map(digest);
  return (req, res, next) => {
    const header = req.header('authorization');
    const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    const presented = req.header('x-api-key') ?? bearer;
    if (!presented) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      sendProblem(res, 401, 'unauthorized', 'an API key is required (x-api-key header or Authorization: Bearer)');
      return;
    }
    const candidate = digest(presented);
    let ok = false;
    for (const key of known) ok = timingSafeEqual(key, candidate) || ok;
    if (!ok) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      sendProblem(res, 401, 'unauthorized', 'the API key is not valid');
      return;
    }
    next();
  };
}
