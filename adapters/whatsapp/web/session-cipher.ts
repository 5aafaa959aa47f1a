import { createCipheriv, createDecipheriv, randomBytes, type CipherGCM, type DecipherGCM } from 'node:crypto';

/**
 * WhatsApp Web sessions at rest: a session zip is a logged-in device (anyone holding it can read
 * and write as the business's number), so the copy in MongoDB is sealed with AES-256-GCM under a
 * key from the environment.
 *
 * Stored layout: `SBWS` · format 1 · key id · 12-byte IV · ciphertext · 16-byte GCM tag. The key
 * id names which of the configured keys sealed it, so keys can rotate: the first key seals new
 * saves, the others still open older ones. Anything not starting with `SBWS` is a plaintext zip
 * from before encryption (a zip starts with `PK`) and is read as it is; the next save seals it.
 */
export const sessionKeyVariable = 'SWITCHBOARD_SESSION_KEY';

const magic = Buffer.from('SBWS');
const format = 1;
export const headerLength = magic.length + 2 + 12;
export const tagLength = 16;

/** The configured keys: the first seals, any opens what its id sealed. */
export interface SessionKeys {
  current: { id: number; key: Buffer };
  byId: ReadonlyMap<number, Buffer>;
}

/** A stored session that these keys cannot open (or no key at all). It stays stored as it is. */
export class SessionKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionKeyError';
  }
}

/**
 * `SWITCHBOARD_SESSION_KEY`: one key, or several separated by commas, each optionally prefixed by
 * its id (`2:<new key>,1:<old key>`; 1 without a prefix). A key is 32 bytes, as 64 hex digits or
 * base64 (44 characters, or 43 unpadded / URL-safe). Undefined when unset or empty. Never shows a key.
 */
export function sessionKeysFrom(env: NodeJS.ProcessEnv = process.env): SessionKeys | undefined {
  const raw = env[sessionKeyVariable]?.trim();
  if (!raw) return undefined;
  const byId = new Map<number, Buffer>();
  let current: SessionKeys['current'] | undefined;
  raw.split(',').forEach((entry, i) => {
    const match = /^(?:(\d{1,3}):)?(\S+)$/.exec(entry.trim());
    const id = match?.[1] === undefined ? 1 : Number(match[1]);
    if (!match || id < 1 || id > 255) throw new SessionKeyError(`${sessionKeyVariable}: key ${i + 1} is not "[id:]key" with an id from 1 to 255`);
    const key = decodeKey(match[2]!);
    if (!key) throw new SessionKeyError(`${sessionKeyVariable}: key ${i + 1} is not 32 bytes as 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`)`);
    if (byId.has(id)) throw new SessionKeyError(`${sessionKeyVariable}: key id ${id} is given twice`);
    byId.set(id, key);
    current ??= { id, key };
  });
  return { current: current!, byId };
}

function decodeKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return undefined;
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : undefined;
}

/** Whether stored bytes start like a sealed session (anything else is a plaintext zip from before). */
export function isSealed(head: Buffer): boolean {
  return head.length >= magic.length && head.subarray(0, magic.length).equals(magic);
}

/** Seals a zip's chunks as they come: the header first, the tag last. A new random IV for every save. */
export async function* seal(keys: SessionKeys, chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iv = randomBytes(12);
  const cipher: CipherGCM = createCipheriv('aes-256-gcm', keys.current.key, iv);
  yield Buffer.concat([magic, Buffer.from([format, keys.current.id]), iv]);
  for await (const chunk of chunks) yield cipher.update(chunk);
  yield cipher.final();
  yield cipher.getAuthTag();
}

/**
 * A decipher for a sealed session, from its header and tag; `final()` throws when the key or the
 * bytes are wrong (nothing it produced may be used then). `name` is for the errors.
 */
export function opener(keys: SessionKeys | undefined, header: Buffer, tag: Buffer, name: string): DecipherGCM {
  if (header.length !== headerLength || header[magic.length] !== format)
    throw new SessionKeyError(`the stored WhatsApp Web session "${name}" is in a format this hub does not know; it is left as stored`);
  if (tag.length !== tagLength) throw new SessionKeyError(`the stored WhatsApp Web session "${name}" is cut short (damaged); it is left as stored`);
  const id = header[magic.length + 1]!;
  if (!keys) throw new SessionKeyError(`the stored WhatsApp Web session "${name}" is encrypted (key id ${id}): set ${sessionKeyVariable} to its key`);
  const key = keys.byId.get(id);
  if (!key)
    throw new SessionKeyError(
      `the stored WhatsApp Web session "${name}" was encrypted with key id ${id}, which ${sessionKeyVariable} does not hold (it has ${[...keys.byId.keys()].join(', ')}); it is left as stored`,
    );
  const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(magic.length + 2));
  decipher.setAuthTag(tag);
  return decipher;
}

/** The message when a sealed session's tag does not match: the key is not the one that sealed it, or the copy is damaged. */
export function wrongKey(name: string, header: Buffer): SessionKeyError {
  return new SessionKeyError(
    `the stored WhatsApp Web session "${name}" could not be decrypted with key id ${header[magic.length + 1]} of ${sessionKeyVariable}: ` +
      'a different key than the one that encrypted it, or a damaged copy; it is left as stored',
  );
}
