import type { Address } from './message.js';

/**
 * The configured account an address names, for a reply or an indicator to it: one of another
 * workspace (or none) is a bug upstream, and nothing must be sent for it, so this throws.
 */
export function accountFor<A extends { workspace: string }>(accounts: ReadonlyMap<string, A>, address: Address): A {
  const account = accounts.get(address.account);
  if (!account || account.workspace !== address.workspace) {
    throw new Error(`${address.channel} account "${address.account}" is not configured for workspace "${address.workspace}"`);
  }
  return account;
}
