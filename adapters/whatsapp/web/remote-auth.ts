import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type WAWebJS from 'whatsapp-web.js';

/** The part of `unzipper` (an optional dependency of whatsapp-web.js, untyped) used here. */
interface Unzipper {
  Extract(options: { path: string; concurrency?: number }): NodeJS.WritableStream & { promise(): Promise<void> };
}

let loaded: Promise<typeof WAWebJS.RemoteAuth> | undefined;

/**
 * whatsapp-web.js's `RemoteAuth` with the restore fixed. In 1.34.7 `unCompressSession` resolves
 * on unzipper's `finish` (the zip has been read) instead of `close` (its files are written), so
 * Chromium can start on a half-restored profile and ask for the QR again although a session
 * was saved (our round-trip test caught the profile empty right after the restore). This waits
 * for the files. Loaded on first use, so processes without WhatsApp Web never load puppeteer.
 */
export function loadRemoteAuth(): Promise<typeof WAWebJS.RemoteAuth> {
  return (loaded ??= (async () => {
    const { RemoteAuth } = (await import('whatsapp-web.js')).default;
    // Resolved from whatsapp-web.js's own folder: it is that package's dependency, not ours.
    const unzipper = createRequire(createRequire(import.meta.url).resolve('whatsapp-web.js'))('unzipper') as Unzipper;

    class CompleteRemoteAuth extends RemoteAuth {
      /** Replaces the library's: same steps, but resolves once every file is on disk. */
      async unCompressSession(compressedSessionPath: string): Promise<void> {
        const extract = unzipper.Extract({ path: (this as unknown as { userDataDir: string }).userDataDir, concurrency: 10 });
        const done = extract.promise();
        createReadStream(compressedSessionPath).pipe(extract);
        await done;
        await unlink(compressedSessionPath);
      }
    }
    return CompleteRemoteAuth;
  })());
}
