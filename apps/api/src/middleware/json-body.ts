/**
 * The JSON body parser, mounted only behind authentication and scope checks: a
 * caller who is not known yet has nothing of its body read. Before JSON.parse runs,
 * one pass over the raw bytes refuses nesting deeper than MAX_JSON_DEPTH (a stack
 * overflow later, in JSON.stringify or zod, otherwise); after it, the storable-text
 * check refuses what Postgres could not store. Both are 400s naming what is wrong.
 */
import express, { type RequestHandler } from 'express';
import { AppError, ValidationError } from '@vcq/errors';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '@vcq/http';
import { assertStorable } from '../validation.js';

/** The media types read as JSON. */
export const JSON_TYPES = ['application/json', 'application/*+json'];

/** Parses a JSON body of at most `limit` (e.g. "1mb"); refuses deep nesting and unstorable text. */
export function jsonBody(limit: string): RequestHandler {
  const parse = express.json({
    limit,
    type: JSON_TYPES,
    // Runs on the raw bytes, before they are decoded or parsed.
    verify: (_req, _res, body, encoding) => {
      // RFC 8259 §8.1: JSON between systems is UTF-8, and the depth scan reads UTF-8 bytes.
      if (encoding !== 'utf-8' && encoding !== 'utf8') {
        throw new AppError('unsupported_media_type', 415, `JSON must be UTF-8 (RFC 8259); this body declares charset ${encoding}`);
      }
      if (exceedsJsonDepth(body, MAX_JSON_DEPTH)) {
        throw new ValidationError(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, [
          { field: '(body)', message: `must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep` },
        ]);
      }
    },
  });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      if (error) {
        next(error);
        return;
      }
      try {
        assertStorable(req.body, 'body');
      } catch (refused) {
        next(refused);
        return;
      }
      next();
    });
  };
}
