/**
 * The tiny HTTP surface adapters see: a route gets the raw body (signatures
 * are computed over raw bytes) and returns a status and a JSON body. Adapters
 * never touch express, so the web framework can change without touching them.
 */
export interface RawRequest {
  params: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  rawBody: Buffer;
}

export interface RawResponse {
  status: number;
  body?: unknown;
}

export type RouteHandler = (req: RawRequest) => Promise<RawResponse>;

export interface HttpRouter {
  post(path: string, handler: RouteHandler): void;
  get(path: string, handler: RouteHandler): void;
}
