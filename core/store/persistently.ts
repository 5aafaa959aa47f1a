/**
 * Retries a store write a few times with backoff: for writes that record something that already
 * happened and cannot be redone (a reply the platform accepted), where giving up early would
 * make a retry repeat it.
 */
export async function persistently<T>(write: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}
