import { textVersion } from '../../core/consent.js';
import type { OwnForms, TurnContext } from '../../core/turn/types.js';

/** What a pre-chat form may put on the contact: what people type about themselves. */
const contactFields = ['name', 'email', 'phone'] as const;

/** The form's consent checkbox, ticked or not, for the ledger; the message (or lead) id is the proof. */
function formConsent(turn: TurnContext, consent: { purpose: string; granted: boolean; text: string; version?: string }, key: string): void {
  turn.collected.consents.push({
    purpose: consent.purpose,
    granted: consent.granted,
    // The configured version where the text has one (the widget's checkbox), else a hash of the words shown.
    textVersion: consent.version ?? textVersion(consent.text),
    text: consent.text,
    evidence: { source: 'form', key, messageId: turn.id },
  });
}

/**
 * The widget's own forms, which its client shows itself rather than a flow (checked on the
 * hub by `own-forms.ts` before they are queued):
 * - `prechat`: asked before the first message; what the person typed about themselves goes on the contact.
 * - `offline`: left while nobody can answer; stored as a lead (flow `-`) and acknowledged.
 */
export const widgetOwnForms: OwnForms = {
  prechat(turn, form) {
    for (const field of contactFields) {
      const value = form.fields[field];
      if (value) turn.collected.typed[field] = value;
    }
    if (form.consent) formConsent(turn, form.consent, turn.id);
  },
  offline(turn, form) {
    // The lead carries its consent; the commit records it in the ledger with the lead's id as proof.
    turn.collected.leads.push({ flow: '-', form: 'offline', fields: form.fields, ...(form.consent ? { consent: form.consent } : {}) });
    turn.collected.replies.push({ text: turn.workspace.texts.offlineReceived, sender: 'system' });
  },
};
