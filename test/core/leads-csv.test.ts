import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import { leadsToCsv, type LeadRow } from '../../core/leads.js';

const lead = (fields: Record<string, unknown>, consent?: LeadRow['consent']): LeadRow => ({
  id: 'lead_1',
  createdAt: new Date('2026-11-21T10:00:00Z'),
  channel: 'api',
  account: 'shop-app',
  flow: 'shop',
  form: 'callback',
  conversation: 'c1',
  fields,
  consent,
});

it('exports leads as CSV with a column per field, quoting commas and defusing formulas', () => {
  const csv = leadsToCsv([
    lead({ name: 'Ada, Countess', phone: '+420601123456' }, { purpose: 'marketing', granted: true, text: 'Send me news' }),
    lead({ name: '=HYPERLINK("http://evil")', email: 'a@b.cz' }),
  ]);
  const rows = parse(csv) as string[][];
  expect(rows[0]).toEqual([
    'id',
    'created_at',
    'channel',
    'account',
    'flow',
    'form',
    'conversation',
    'email',
    'name',
    'phone',
    'consent_purpose',
    'consent_granted',
    'consent_text',
  ]);
  expect(rows[1]).toEqual([
    'lead_1',
    '2026-11-21T10:00:00.000Z',
    'api',
    'shop-app',
    'shop',
    'callback',
    'c1',
    '',
    'Ada, Countess',
    '+420601123456',
    'marketing',
    'true',
    'Send me news',
  ]);
  expect(rows[2]![8]).toBe('\'=HYPERLINK("http://evil")');
  expect(rows[2]![9]).toBe('');
});
