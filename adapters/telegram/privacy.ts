import { privacyContract } from '../../core/privacy/contract.js';

/** Privacy contracts of what the Telegram channel keeps itself (see core/privacy/contract.ts). */
export const telegramPrivacy = [
  privacyContract({
    store: { redis: 'telegram:parts:*' },
    purpose: 'how many parts of a long reply were sent, so a retry sends only the rest',
    personal: ['the reply id'],
    findBy: "telegram:parts:{reply id} of the person's replies",
    erasure: { action: 'expires', within: '7 days' },
    retention: { expires: '7 days after the last part (progressTtlSeconds)' },
  }),
  privacyContract({
    store: { redis: 'telegram:poller:*' },
    purpose: 'which process polls a bot',
    personal: [],
    findBy: 'nothing of a person',
    erasure: { action: 'none', why: 'a lock per bot' },
    retention: { expires: 'the lock time' },
  }),
];
