import { hash, verify } from '@node-rs/argon2';

/** The shortest password an agent may set: length is what makes a password hard to guess. */
export const minPasswordLength = 12;

/** An argon2id hash with the library's defaults (OWASP's: 19 MiB, 2 iterations). */
export function hashPassword(password: string): Promise<string> {
  if (password.length < minPasswordLength) throw new Error(`a password needs at least ${minPasswordLength} characters`);
  return hash(password);
}

/** A hash that matches no password, so signing in as nobody costs as long as a wrong password. */
const nobody = hash('switchboard-nobody-signs-in-with-this');

/** Whether `password` matches `passwordHash`; with no hash (unknown agent), false after the same work. */
export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash ?? (await nobody), password);
  } catch {
    return false;
  }
}
