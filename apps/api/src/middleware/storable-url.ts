/**
 * The storable-text check for URLs, on every request before any router: path
 * segments and query values become database parameters (ids, filters), and a
 * percent-escape can make them hold NUL. Without a `%` in the URL nothing decodes
 * to NUL (the HTTP parser refuses a raw one, and decoding never yields an unpaired
 * surrogate), so the common request pays one `includes`.
 */
import type { RequestHandler } from 'express';
import { assertStorable } from '../validation.js';

/** A path segment decoded as the router will decode it; left as it is when it does not decode. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** 400 when the path or the query holds what Postgres cannot store. */
export const storableUrl: RequestHandler = (req, _res, next) => {
  if (!req.url.includes('%')) {
    next();
    return;
  }
  assertStorable(req.path.split('/').map(decodeSegment).join('/'), 'path');
  assertStorable(req.query, 'query');
  next();
};
