import { stringify } from 'csv-stringify/sync';
import { Lead } from './store/lead.js';

export interface LeadRow {
  id: string;
  createdAt: Date;
  channel: string;
  account: string;
  flow: string;
  form: string;
  conversation: string;
  fields: Record<string, unknown>;
  consent?: { purpose: string; granted: boolean; text: string } | null;
}

/** A workspace's leads, newest first. */
export async function listLeads(workspace: string, options: { limit?: number; since?: Date } = {}): Promise<LeadRow[]> {
  const filter = { workspace, ...(options.since ? { createdAt: { $gte: options.since } } : {}) };
  const leads = await Lead.find(filter)
    .sort({ createdAt: -1 })
    .limit(options.limit ?? 1000)
    .lean();
  return leads.map((l) => ({
    id: l._id,
    createdAt: l.createdAt,
    channel: l.channel,
    account: l.account,
    flow: l.flow,
    form: l.form,
    conversation: String(l.conversation),
    fields: (l.fields ?? {}) as Record<string, unknown>,
    consent: l.consent ?? null,
  }));
}

/**
 * CSV with one column per form field seen (sorted), after the fixed columns.
 * Cells starting with = + - @ are prefixed with ' so spreadsheets do not run them as formulas
 * (plain numbers such as E.164 phone numbers excepted: they are data, not formulas).
 */
export function leadsToCsv(leads: readonly LeadRow[]): string {
  const fieldNames = [...new Set(leads.flatMap((l) => Object.keys(l.fields)))].sort();
  const header = [
    'id',
    'created_at',
    'channel',
    'account',
    'flow',
    'form',
    'conversation',
    ...fieldNames,
    'consent_purpose',
    'consent_granted',
    'consent_text',
  ];
  const rows = leads.map((l) => [
    l.id,
    l.createdAt.toISOString(),
    l.channel,
    l.account,
    l.flow,
    l.form,
    l.conversation,
    ...fieldNames.map((f) => cell(l.fields[f])),
    l.consent?.purpose ?? '',
    l.consent ? String(l.consent.granted) : '',
    l.consent?.text ?? '',
  ]);
  return stringify([header, ...rows]);
}

function cell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  const formula = /^[=+\-@\t\r]/.test(text) && !/^[+-]?[0-9][0-9 .]*$/.test(text);
  return formula ? `'${text}` : text;
}
