/**
 * The browser script, bundled from client/ with esbuild when a web process starts (about 100 ms,
 * kept in memory): no build step, no committed output, and the served script always matches
 * the server it talks to.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export interface WidgetBundle {
  js: Buffer;
  gzip: Buffer;
  etag: string;
}

const entry = join(dirname(fileURLToPath(import.meta.url)), 'client', 'main.js');

let cached: Promise<WidgetBundle> | undefined;

/** The minified script and its gzipped form (built once per process). */
export function widgetBundle(): Promise<WidgetBundle> {
  return (cached ??= (async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: 'iife',
      target: ['es2020'],
      write: false,
      legalComments: 'none',
      charset: 'utf8',
    });
    const js = Buffer.from(result.outputFiles[0]!.contents);
    return { js, gzip: gzipSync(js, { level: 9 }), etag: `"${createHash('sha256').update(js).digest('base64url').slice(0, 16)}"` };
  })());
}
