import type { WorkspaceConfig } from '../../core/config/schema.js';
import type { FormSpec } from '../../core/message.js';
import type { WidgetAccountConfig } from './config.js';
import type { WidgetClientConfig } from './protocol.js';
import { noticeText } from '../../core/privacy/notice.js';

/** The widget's own forms as the client draws them (the marketing checkbox only when the account has one). */
function ownForm(id: string, fields: WidgetAccountConfig['prechat']['fields'], marketing: WidgetAccountConfig['marketing']): FormSpec {
  return {
    id,
    fields: fields.map((f) => ({ name: f.name, label: f.label, type: f.type, required: f.required })),
    ...(marketing ? { consent: { purpose: 'marketing', text: marketing.text } } : {}),
  };
}

/** What one account's widget needs to draw itself, sent in `hello`. Nothing secret goes in. */
export function clientConfig(account: WidgetAccountConfig, workspace: WorkspaceConfig): WidgetClientConfig {
  const { notice, policyUrl } = workspace.privacy;
  return {
    title: account.title,
    ...(account.greeting ? { greeting: account.greeting } : {}),
    color: account.color,
    position: account.position,
    // The panel links `{policyUrl}` itself; the retention period is written in here.
    ...(notice ? { notice: { version: notice.version, text: noticeText(workspace.privacy, { link: false })!, ...(policyUrl ? { policyUrl } : {}) } } : {}),
    ...(account.marketing ? { marketing: account.marketing } : {}),
    ...(account.prechat.enabled ? { prechat: ownForm('prechat', account.prechat.fields, account.marketing) } : {}),
    offline: ownForm('offline', account.offline.fields, account.marketing),
    ...(workspace.email ? { transcript: true } : {}),
    texts: { ...account.texts },
  };
}

/** The notice as the visitor read it (the link written in), for the consent ledger. */
export function noticeAsShown(workspace: WorkspaceConfig): string | undefined {
  return noticeText(workspace.privacy);
}
