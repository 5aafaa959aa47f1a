import type { PrivacyConfig } from '../config/schema.js';
import { inWords, parseDuration } from './duration.js';

/**
 * The privacy notice's text as people read it: `{retention}` becomes the conversations' retention
 * period in words ("12 months"), so the notice and the policy never drift apart, and
 * `{policyUrl}` the policy's link (written on its own line when the text has no placeholder).
 */
export function noticeText(privacy: PrivacyConfig, options: { link?: boolean } = {}): string | undefined {
  const notice = privacy.notice;
  if (!notice) return undefined;
  const kept = privacy.retention?.conversations?.after;
  const period = kept ? inWords(parseDuration(kept)!) : 'until you ask us to erase it';
  const text = notice.text.replaceAll('{retention}', period);
  if (options.link === false) return text;
  const link = privacy.policyUrl ?? '';
  return text.includes('{policyUrl}') ? text.replaceAll('{policyUrl}', link) : link ? `${text}\n${link}` : text;
}
