/**
 * The tiny HTTP surface adapters see: a route gets the raw body (signatures
 * are computed over raw bytes) and returns a status and a JSON body. Adapters
 * never touch express, so the web framework can change without touching them.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export interface RawRequest {
  method: string;
  params: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  rawBody: Buffer;
  /** The peer's address. Personal data: store it only where the workspace allows (`privacy.storeIp`). */
  remoteAddress?: string;
}

export interface RawResponse {
  status: number;
  /** Sent as JSON unless `raw` is set. */
  body?: unknown;
  /** Sent as is (a script, a page, a plain-text challenge); set `content-type` in `headers`. */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

/** Takes over a connection upgrade (WebSocket) on one path; it must answer or destroy the socket. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export type RouteHandler = (req: RawRequest) => Promise<RawResponse>;

export interface HttpRouter {
  post(path: string, handler: RouteHandler): void;
  get(path: string, handler: RouteHandler): void;
  /** Connection upgrades (WebSocket) whose URL path is exactly `path`. */
  upgrade(path: string, handler: UpgradeHandler): void;
}
