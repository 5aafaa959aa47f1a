/**
 * The console's script and styles, bundled from client/ with esbuild when a web process starts
 * and kept in memory, as the widget's is (adapters/widget/bundle.ts): no build step, no committed
 * output, and what is served always matches the API it calls.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** One bundled file, raw and gzipped, with an etag of its content. */
export interface BundledFile {
  raw: Buffer;
  gzip: Buffer;
  etag: string;
}

export interface ConsoleBundle {
  js: BundledFile;
  css: BundledFile;
}

const client = join(dirname(fileURLToPath(import.meta.url)), 'client');

const bundled = (bytes: Uint8Array): BundledFile => {
  const raw = Buffer.from(bytes);
  return { raw, gzip: gzipSync(raw, { level: 9 }), etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 16)}"` };
};

let cached: Promise<ConsoleBundle> | undefined;

/** The minified app and its stylesheet (built once per process). */
export function consoleBundle(): Promise<ConsoleBundle> {
  return (cached ??= (async () => {
    const result = await build({
      // app.js and app.css.
      entryPoints: [
        { in: join(client, 'main.tsx'), out: 'app' },
        { in: join(client, 'console.css'), out: 'app' },
      ],
      bundle: true,
      minify: true,
      format: 'iife',
      target: ['es2020'],
      jsx: 'automatic',
      jsxImportSource: 'preact',
      // Preact, and one production build of it.
      define: { 'process.env.NODE_ENV': '"production"' },
      outdir: 'out',
      write: false,
      legalComments: 'none',
      charset: 'utf8',
    });
    const file = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(`app.${ext}`));
    const js = file('js');
    const css = file('css');
    if (!js || !css) throw new Error('the console bundle lacks app.js or app.css');
    return { js: bundled(js.contents), css: bundled(css.contents) };
  })());
}
