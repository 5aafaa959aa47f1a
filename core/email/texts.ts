import type { EmailKind } from '../store/email.js';

/** The e-mails' words per language (English, Czech), picked by the contact's language like flow texts; `{…}` are filled in. */
const texts: Record<string, Record<EmailKind, { subject: string; intro: string }>> = {
  en: {
    transcript: { subject: 'Your conversation with {business}', intro: 'Here is your conversation with {business}, as you asked.' },
    'close-copy': { subject: 'Conversation closed: {contact}', intro: 'A conversation with {contact} on {channel} was closed.' },
    lead: { subject: 'New message from {contact} ({channel})', intro: '{contact} left a message on {channel}.' },
    waiting: { subject: 'Waiting {minutes} min: {contact}', intro: '{contact} has been waiting for an agent on {channel} for {minutes} minutes.' },
  },
  cs: {
    transcript: { subject: 'Vaše konverzace s {business}', intro: 'Posíláme vaši konverzaci s {business}, jak jste si přáli.' },
    'close-copy': { subject: 'Uzavřená konverzace: {contact}', intro: 'Konverzace s {contact} na kanálu {channel} byla uzavřena.' },
    lead: { subject: 'Nová zpráva od {contact} ({channel})', intro: '{contact} zanechal(a) zprávu na kanálu {channel}.' },
    waiting: { subject: 'Čeká {minutes} min: {contact}', intro: '{contact} čeká na kanálu {channel} na operátora už {minutes} minut.' },
  },
};

/** The kind's words in the language (its base language, else English), filled in. */
export function emailText(kind: EmailKind, locale: string | undefined, values: Record<string, string>): { subject: string; intro: string } {
  const language = [locale, locale?.split('-')[0]].find((l) => l && Object.hasOwn(texts, l)) ?? 'en';
  const fill = (template: string) => template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
  const words = texts[language]![kind];
  return { subject: fill(words.subject), intro: fill(words.intro) };
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text as HTML text: everything a contact or agent wrote goes through this. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => htmlEscapes[c]!);
