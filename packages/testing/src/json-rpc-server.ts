import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback, type LoopbackServer } from './loopback-server.js';

/** An error answered as a JSON-RPC error object instead of a result. */
export class JsonRpcError extends Error {
  override name = 'JsonRpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  /** geth's code for a reverted eth_call; viem reads the revert data from `data`. */
  ExecutionReverted: 3,
} as const;

export type RpcMethod = (params: unknown[]) => unknown;
export type RpcMethods = Readonly<Record<string, RpcMethod>>;

type RpcId = string | number | null;
interface RpcResponse {
  jsonrpc: '2.0';
  id: RpcId;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Serves `methods` over JSON-RPC 2.0 (single and batch requests) on a loopback port. */
export function startJsonRpcServer(methods: RpcMethods): Promise<LoopbackServer> {
  return listenOnLoopback((req, res) => {
    handleHttp(methods, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
}

async function handleHttp(methods: RpcMethods, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }

  let payload: unknown;
  try {
    payload = JSON.parse(await readBody(req));
  } catch (error) {
    send(res, errorResponse(null, new JsonRpcError(RpcErrorCode.ParseError, `Parse error: ${(error as Error).message}`)));
    return;
  }

  if (Array.isArray(payload)) {
    if (payload.length === 0) {
      send(res, errorResponse(null, new JsonRpcError(RpcErrorCode.InvalidRequest, 'Invalid request: empty batch')));
      return;
    }
    const answers = await Promise.all(payload.map((request) => handleRequest(methods, request)));
    const responses = answers.filter((answer): answer is RpcResponse => answer !== undefined);
    if (responses.length === 0) res.writeHead(204).end();
    else send(res, responses);
    return;
  }

  const answer = await handleRequest(methods, payload);
  if (answer === undefined) res.writeHead(204).end();
  else send(res, answer);
}

/** Answers one request; `undefined` for a notification (a request without an id). */
async function handleRequest(methods: RpcMethods, request: unknown): Promise<RpcResponse | undefined> {
  if (typeof request !== 'object' || request === null) {
    return errorResponse(null, new JsonRpcError(RpcErrorCode.InvalidRequest, 'Invalid request: not an object'));
  }
  const { jsonrpc, id, method, params } = request as Record<string, unknown>;
  const validId = typeof id === 'string' || typeof id === 'number' || id === null;
  const replyId: RpcId = validId ? id : null;

  if (jsonrpc !== '2.0' || typeof method !== 'string' || (id !== undefined && !validId)) {
    return errorResponse(replyId, new JsonRpcError(RpcErrorCode.InvalidRequest, 'Invalid request'));
  }
  if (params !== undefined && !Array.isArray(params)) {
    return errorResponse(replyId, new JsonRpcError(RpcErrorCode.InvalidParams, 'Only positional params are supported'));
  }

  let response: RpcResponse;
  // hasOwn keeps names like "constructor" or "__proto__" from reaching Object.prototype.
  const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (!handler) {
    response = errorResponse(
      replyId,
      new JsonRpcError(RpcErrorCode.MethodNotFound, `the method ${method} does not exist/is not available`),
    );
  } else {
    try {
      const result = await handler((params as unknown[] | undefined) ?? []);
      response = { jsonrpc: '2.0', id: replyId, result: result ?? null };
    } catch (error) {
      response = errorResponse(replyId, error);
    }
  }
  return id === undefined ? undefined : response;
}

function errorResponse(id: RpcId, error: unknown): RpcResponse {
  const rpcError =
    error instanceof JsonRpcError ? error : new JsonRpcError(RpcErrorCode.Internal, (error as Error)?.message ?? String(error));
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: rpcError.code,
      message: rpcError.message,
      ...(rpcError.data === undefined ? {} : { data: rpcError.data }),
    },
  };
}

function send(res: ServerResponse, body: RpcResponse | RpcResponse[]): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
