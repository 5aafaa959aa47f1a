import { createHash } from 'node:crypto';
import { z } from 'zod';

/** What an API key may do: `read` (GET), `write` (every other method), `privacy` (data-subject requests and the audit log). */
export const keyScopes = ['read', 'write', 'privacy'] as const;
export type KeyScope = (typeof keyScopes)[number];

/** The SHA-256 of a key, hex: what the hub keeps and compares (the key itself is dropped when the config loads). */
export const keyDigest = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

const keyText = z.string().min(24, 'expected an API key of at least 24 characters');

/**
 * One entry of a workspace's `apiKeys`: the key itself (every scope), or
 * `{ key | sha256, scopes, name }`. A hash keeps the key out of the config file and the
 * environment; SHA-256 suffices because keys are random (`switchboard api-key new` makes one)
 * and is cheap enough to compute on every request, where a password hash would not be.
 */
export const apiKeySchema = z.preprocess(
  // The key alone is `{ key }` with every scope, so its problems are reported as the object's would be.
  (entry) => (typeof entry === 'string' ? { key: entry } : entry),
  z
    .strictObject(
      {
        key: keyText.optional(),
        sha256: z
          .string()
          .regex(/^[0-9a-fA-F]{64}$/, 'expected the SHA-256 of the key in hex (64 characters)')
          .transform((h) => h.toLowerCase())
          .optional(),
        scopes: z
          .array(z.enum(keyScopes, { error: 'expected "read", "write" or "privacy"' }))
          .min(1)
          .default([...keyScopes]),
        /** Shown in the audit log instead of the key's digest prefix. */
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'expected a short lowercase name')
          .optional(),
      },
      { error: (issue) => (issue.code === 'invalid_type' ? 'expected an API key of at least 24 characters, or { key | sha256, scopes, name }' : undefined) },
    )
    .refine((k) => (k.key === undefined) !== (k.sha256 === undefined), { message: 'expected exactly one of "key" or "sha256"' })
    .transform((k) => ({ sha256: k.sha256 ?? keyDigest(k.key!), scopes: [...new Set(k.scopes)], name: k.name })),
);
export type ApiKeyEntry = z.output<typeof apiKeySchema>;
