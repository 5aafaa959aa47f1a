import { createReadStream, createWriteStream } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import mongoose from 'mongoose';

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
 */
export class GridFsSessionStore {
  private readonly dataPath: string;
  private readonly bucketName: string;

  constructor(options: { dataPath: string; bucketName?: string }) {
    this.dataPath = resolve(options.dataPath);
    this.bucketName = options.bucketName ?? sessionBucket;
  }

  async sessionExists(options: { session: string }): Promise<boolean> {
    return (await this.latest(options.session)) !== undefined;
  }

  /** Uploads the zip RemoteAuth just wrote, then drops older copies (only after the new one is complete). */
  async save(options: { session: string }): Promise<void> {
    const bucket = this.bucket();
    const filename = fileName(options.session);
    const upload = bucket.openUploadStream(filename);
    await pipeline(createReadStream(this.zipPath(options.session)), upload);
    const older = await bucket.find({ filename }).toArray();
    for (const file of older) if (!file._id.equals(upload.id)) await bucket.delete(file._id);
  }

  /** Writes the newest copy to `path`, where RemoteAuth unzips it. */
  async extract(options: { session: string; path: string }): Promise<void> {
    const latest = await this.latest(options.session);
    if (!latest) throw new Error(`no stored WhatsApp session "${fileName(options.session)}"`);
    await pipeline(this.bucket().openDownloadStream(new mongoose.Types.ObjectId(latest.id)), createWriteStream(options.path));
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
