import { rateLimitPrivacy } from '../pipeline/rate.js';
import { mailboxPrivacy } from '../queue/mailbox.js';
import { queuePrivacy } from '../queue/queues.js';
import { readyPrivacy } from '../queue/ready.js';
import type { AdapterRegistry } from '../registry.js';
import { consentPrivacy } from '../store/consent.js';
import { contactPrivacy } from '../store/contact.js';
import { conversationPrivacy } from '../store/conversation.js';
import { flowVersionPrivacy } from '../store/flow-version.js';
import { leadPrivacy } from '../store/lead.js';
import { messagePrivacy } from '../store/message.js';
import { platformRefPrivacy } from '../store/platform-ref.js';
import { retentionRunPrivacy } from '../store/retention-run.js';
import { auditEntryPrivacy } from '../store/audit-entry.js';
import { privacyRequestPrivacy } from '../store/privacy-request.js';
import { agentPrivacy } from '../store/agent.js';
import { cannedReplyPrivacy } from '../store/canned-reply.js';
import { conversationEventPrivacy } from '../store/conversation-event.js';
import { conversationNotePrivacy } from '../store/conversation-note.js';
import { emailPrivacy } from '../store/email.js';
import { inboxPrivacy } from '../agents/inbox.js';
import { presencePrivacy } from '../agents/presence.js';
import { assignmentPrivacy } from '../agents/assignment.js';
import { figuresPrivacy } from '../agents/handoff-figures.js';
import { accountActivityPrivacy } from '../account-activity.js';
import { sessionPrivacy } from '../agents/sessions.js';
import { signInLimitPrivacy } from '../agents/sign-in.js';
import { retentionLockPrivacy } from './retention.js';
import { typingThrottlePrivacy } from '../typing/agent-typing.js';
import type { PrivacyContract } from './contract.js';

/** The core's stores, each contract declared beside its model or key builder. */
export const corePrivacy: readonly PrivacyContract[] = [
  contactPrivacy,
  conversationPrivacy,
  messagePrivacy,
  leadPrivacy,
  consentPrivacy,
  platformRefPrivacy,
  flowVersionPrivacy,
  retentionRunPrivacy,
  privacyRequestPrivacy,
  auditEntryPrivacy,
  agentPrivacy,
  conversationEventPrivacy,
  cannedReplyPrivacy,
  conversationNotePrivacy,
  emailPrivacy,
  sessionPrivacy,
  signInLimitPrivacy,
  ...mailboxPrivacy,
  ...queuePrivacy,
  ...readyPrivacy,
  rateLimitPrivacy,
  retentionLockPrivacy,
  inboxPrivacy,
  presencePrivacy,
  assignmentPrivacy,
  figuresPrivacy,
  accountActivityPrivacy,
  typingThrottlePrivacy,
];

/**
 * The data map: every store the hub writes, the core's and the channels', with its privacy
 * contract. Retention, export and erasure go through it, so they reach every place a person's
 * data lives; test/privacy/data-map.test.ts fails for a store that is missing.
 */
export function dataMap(registry: AdapterRegistry): PrivacyContract[] {
  return [...corePrivacy, ...registry.collections().privacy];
}
