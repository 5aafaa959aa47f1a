import type { Request, Response } from 'botbuilder';
import type { RawRequest } from '../../core/http/router.js';

/** What botbuilder wrote to the response: its status and body, if any. */
export interface ShimResult {
  status: number;
  body?: unknown;
  headers: Record<string, string>;
}

/**
 * The express-like request and response `CloudAdapter.process` wants, in front of our
 * raw-body router. `activity` is the already parsed body (botbuilder expects body parsers).
 */
export function shim(req: RawRequest, activity: Record<string, unknown>): { request: Request; response: Response; result: ShimResult } {
  const result: ShimResult = { status: 200, headers: {} };
  const request: Request = { method: req.method, headers: req.headers, body: activity };
  const response: Response = {
    socket: null,
    status(code: number) {
      result.status = code;
      return response;
    },
    header(name: string, value: unknown) {
      result.headers[name.toLowerCase()] = String(value);
      return response;
    },
    send(body?: unknown) {
      result.body = body;
      return response;
    },
    end() {
      return response;
    },
  };
  return { request, response, result };
}
