import { privacyContract } from '../../core/privacy/contract.js';
import { sessionBucket } from './web/session-store.js';

/** Privacy contracts of what the WhatsApp channel keeps itself (see core/privacy/contract.ts). */
export const whatsappPrivacy = [
  privacyContract({
    store: { gridfs: sessionBucket },
    purpose: "a WhatsApp Web account's session (RemoteAuth's zip of the browser profile)",
    personal: ["WhatsApp Web's own cache of the account's chats, inside the zip"],
    findBy: 'the account, not a person',
    erasure: {
      action: 'none',
      why: 'one opaque archive per business account: a person is erased from it by deleting their chat on the phone, or by logging the account out (the archive goes with it)',
    },
    retention: { none: 'kept while the account is logged in' },
  }),
  privacyContract({
    store: { redis: 'whatsapp:reopen:*' },
    purpose: "marks that a contact got the Cloud API's re-open template today (at most one a day)",
    personal: ['the key ends in the phone number'],
    findBy: 'whatsapp:reopen:{account}:{phone}',
    erasure: { action: 'delete' },
    retention: { expires: '24h' },
  }),
  privacyContract({
    store: { redis: 'wweb:holder:*' },
    purpose: "which process holds a WhatsApp Web account's session",
    personal: [],
    findBy: 'nothing of a person',
    erasure: { action: 'none', why: 'a lock per account' },
    retention: { expires: 'the lock time' },
  }),
];
