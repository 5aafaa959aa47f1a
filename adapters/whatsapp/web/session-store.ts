import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import mongoose from 'mongoose';
import { headerLength, isSealed, opener, seal, sessionKeysFrom, tagLength, wrongKey, type SessionKeys } from './session-cipher.js';

/** The newest saved copy of a session: a new `id` means someone linked the number again. */
export interface StoredSession {
  id: string;
  uploadDate: Date;
  length: number;
}

/** The GridFS bucket of WhatsApp Web sessions (declared in the channel's definition). */
export const sessionBucket = 'whatsapp_sessions';

/**
 * whatsapp-web.js `RemoteAuth` store on MongoDB GridFS (bucket `whatsapp_sessions`, one file
 * `RemoteAuth-<account>.zip` per account, only the newest save kept).
 *
 * Written here instead of using `wwebjs-mongo` because the two disagree on names: RemoteAuth
 * zips the session to `<dataPath>/RemoteAuth-<clientId>.zip` and calls `save({ session })` with
 * the bare name `RemoteAuth-<clientId>` (whatsapp-web.js 1.34.7 on npm) or, since #3375, with
 * the path `<dataPath>/RemoteAuth-<clientId>` (GitHub main), while `sessionExists`, `extract`
 * and `delete` always get the bare name. wwebjs-mongo 1.1.0 reads `${session}.zip` relative to
 * the working directory and names its bucket after `session`: the first fails unless the process
 * runs inside `dataPath`, the second saves where `sessionExists` never looks. This store keys
 * everything by the name's last path segment and finds the zip in either place.
 *
 * With `SWITCHBOARD_SESSION_KEY` set, every save is encrypted (session-cipher.ts); a plaintext
 * copy from before still restores, and the next save replaces it sealed.
 */
export class GridFsSessionStore {
  private readonly dataPath: string;
  private readonly bucketName: string;
  private readonly keys: SessionKeys | undefined;

  /** `env`: where `SWITCHBOARD_SESSION_KEY` is read (default `process.env`); a malformed key throws here. */
  constructor(options: { dataPath: string; bucketName?: string; env?: NodeJS.ProcessEnv }) {
    this.dataPath = resolve(options.dataPath);
    this.bucketName = options.bucketName ?? sessionBucket;
    this.keys = sessionKeysFrom(options.env ?? process.env);
  }

  /** Whether saves are encrypted (a key is configured). */
  get encrypts(): boolean {
    return this.keys !== undefined;
  }

  async sessionExists(options: { session: string }): Promise<boolean> {
    return (await this.latest(options.session)) !== undefined;
  }

  /** Uploads the zip RemoteAuth just wrote, then drops older copies (only after the new one is complete). */
  async save(options: { session: string }): Promise<void> {
    const bucket = this.bucket();
    const filename = fileName(options.session);
    const upload = bucket.openUploadStream(filename);
    const zip = createReadStream(this.zipPath(options.session));
    await pipeline(this.keys ? seal(this.keys, zip) : zip, upload);
    const older = await bucket.find({ filename }).toArray();
    for (const file of older) if (!file._id.equals(upload.id)) await bucket.delete(file._id);
  }

  /**
   * Writes the newest copy to `path`, where RemoteAuth unzips it: decrypted when sealed, as it is
   * when it is a plaintext zip from before. A copy these keys cannot open throws
   * {@link SessionKeyError} and writes nothing; the stored copy is never touched.
   */
  async extract(options: { session: string; path: string }): Promise<void> {
    const name = fileName(options.session);
    const latest = await this.latest(options.session);
    if (!latest) throw new Error(`no stored WhatsApp session "${name}"`);
    const id = new mongoose.Types.ObjectId(latest.id);
    const head = await this.read(id, 0, Math.min(headerLength, latest.length));
    if (!isSealed(head)) return void (await pipeline(this.bucket().openDownloadStream(id), createWriteStream(options.path)));
    const tag = latest.length >= headerLength + tagLength ? await this.read(id, latest.length - tagLength, latest.length) : Buffer.alloc(0);
    const decipher = opener(this.keys, head, tag, name);
    // Beside the target, renamed only once the tag matched: RemoteAuth never unzips unverified bytes.
    const partial = `${options.path}.partial`;
    try {
      await pipeline(this.bucket().openDownloadStream(id, { start: headerLength, end: latest.length - tagLength }), decipher, createWriteStream(partial));
      await rename(partial, options.path);
    } catch (err) {
      await rm(partial, { force: true });
      // node:crypto's GCM tag mismatch; anything else (MongoDB, the disk) is itself.
      if (/unable to authenticate|invalid authentication tag/i.test((err as Error).message)) throw wrongKey(name, head);
      throw err;
    }
  }

  async delete(options: { session: string }): Promise<void> {
    const bucket = this.bucket();
    for (const file of await bucket.find({ filename: fileName(options.session) }).toArray()) await bucket.delete(file._id);
  }

  /** The newest saved copy, if any (RemoteAuth's names: `RemoteAuth-<account>` or a path ending in it). */
  async latest(session: string): Promise<StoredSession | undefined> {
    const files = await this.bucket()
      .find({ filename: fileName(session) })
      .toArray();
    // Sorted here rather than by the server: FerretDB v1 evaluates any non-_id filter in full anyway.
    const newest = files.sort((a, b) => b.uploadDate.getTime() - a.uploadDate.getTime())[0];
    return newest ? { id: String(newest._id), uploadDate: newest.uploadDate, length: newest.length } : undefined;
  }

  /** Bytes `start` to `end` (exclusive) of a stored file. */
  private async read(id: mongoose.Types.ObjectId, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for await (const chunk of this.bucket().openDownloadStream(id, { start, end })) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private bucket() {
    const db = mongoose.connection.db;
    if (!db) throw new Error('MongoDB is not connected: the WhatsApp Web session store needs it');
    return new mongoose.mongo.GridFSBucket(db, { bucketName: this.bucketName });
  }

  /** A bare name's zip is in dataPath; a path's zip is beside it (GitHub main passes `<dataPath>/<name>`). */
  private zipPath(session: string): string {
    return dirname(session) === '.' ? join(this.dataPath, `${session}.zip`) : `${resolve(session)}.zip`;
  }
}

/** The name RemoteAuth gives the session of one account (`clientId` = the account id). */
export function sessionName(account: string): string {
  return `RemoteAuth-${account}`;
}

function fileName(session: string): string {
  return `${basename(session)}.zip`;
}
