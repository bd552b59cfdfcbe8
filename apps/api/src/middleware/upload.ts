/**
 * Multipart upload that hashes the file while it streams: the bytes go through
 * SHA-256 and are dropped, so nothing is buffered whole or written to disk, and the
 * job carries only the hash.
 */
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import multer, { type StorageEngine } from 'multer';
import { AppError, ValidationError } from '@vcq/errors';
import { assertStorable } from '../validation.js';
import { sendProblem } from './problem.js';

export interface HashedFile {
  fieldname: string;
  originalname: string;
  mimetype: string;
  size: number;
  /** 0x-prefixed SHA-256 of the file's bytes. */
  sha256: `0x${string}`;
}

const hashingStorage: StorageEngine = {
  _handleFile(_req, file, callback) {
    const hash = createHash('sha256');
    let size = 0;
    file.stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      hash.update(chunk);
    });
    file.stream.on('error', (error) => callback(error));
    file.stream.on('end', () => callback(null, { size, sha256: `0x${hash.digest('hex')}` } as Partial<Express.Multer.File>));
  },
  _removeFile(_req, _file, callback) {
    callback(null);
  },
};

/** Parses `multipart/form-data` with one file in `file`, hashing it as it arrives. */
export function hashedUpload(maxUploadBytes: number): RequestHandler[] {
  const parser = multer({
    storage: hashingStorage,
    limits: { fileSize: maxUploadBytes, files: 1, fields: 20, fieldSize: 8 * 1024, parts: 24 },
  }).single('file');
  const precheck: RequestHandler = (req, res, next) => {
    // Refuse an oversized body before reading it when the client says how big it is.
    const declared = Number(req.header('content-length'));
    if (Number.isFinite(declared) && declared > maxUploadBytes + 64 * 1024) {
      sendProblem(res, 413, 'payload_too_large', `the upload is larger than the limit (${maxUploadBytes} bytes)`);
      return;
    }
    if (!req.is('multipart/form-data')) {
      sendProblem(res, 415, 'unsupported_media_type', 'send multipart/form-data with the file in the field "file"', {
        errors: [{ field: 'file', message: 'is required (multipart/form-data)' }],
      });
      return;
    }
    next();
  };
  const checkForm: RequestHandler = (req, _res, next) => {
    // The form's fields, names included, go through the same storable check as JSON bodies.
    assertStorable(req.body, 'form');
    if (!req.file) throw new ValidationError('a file is required', [{ field: 'file', message: 'is required (multipart/form-data field "file")' }]);
    next();
  };
  return [precheck, parser, checkForm];
}

/**
 * Parses a multipart form of one or more files in `file` (a batch: the field repeated,
 * at most `maxFiles` times), hashing each as it arrives; each may be `maxUploadBytes`.
 * More files than that is the batch's 400 (`batch_too_large`), not multer's.
 */
export function hashedUploads(maxUploadBytes: number, maxFiles: number): RequestHandler[] {
  const parser = multer({
    storage: hashingStorage,
    limits: { fileSize: maxUploadBytes, files: maxFiles, fields: 20 + 2 * maxFiles, fieldSize: 8 * 1024, parts: 24 + 3 * maxFiles },
  }).array('file', maxFiles);
  const parse: RequestHandler = (req, res, next) => {
    parser(req, res, (error?: unknown) => {
      const code = (error as { code?: string } | undefined)?.code;
      if (code === 'LIMIT_FILE_COUNT' || (code === 'LIMIT_UNEXPECTED_FILE' && (error as { field?: string }).field === 'file')) {
        const message = `a batch holds at most ${maxFiles} files (BATCH_MAX_ITEMS)`;
        next(new AppError('batch_too_large', 400, message, { errors: [{ field: 'file', message }] }));
        return;
      }
      next(error);
    });
  };
  const precheck: RequestHandler = (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      sendProblem(res, 415, 'unsupported_media_type', 'send multipart/form-data with each file in the field "file"', {
        errors: [{ field: 'file', message: 'is required (multipart/form-data)' }],
      });
      return;
    }
    next();
  };
  const checkForm: RequestHandler = (req, _res, next) => {
    assertStorable(req.body, 'form');
    const files = (req.files ?? []) as unknown[];
    if (files.length === 0) throw new ValidationError('at least one file is required', [{ field: 'file', message: 'is required (multipart/form-data field "file", repeated for each item)' }]);
    next();
  };
  return [precheck, parse, checkForm];
}

/** The hashed files of a request that went through `hashedUploads`, in the order they came. */
export function uploadedFiles(req: Express.Request): HashedFile[] {
  return (req.files ?? []) as unknown as HashedFile[];
}

/** The hashed file of a request that went through `hashedUpload`. */
export function uploadedFile(req: Express.Request): HashedFile {
  return req.file as unknown as HashedFile;
}
