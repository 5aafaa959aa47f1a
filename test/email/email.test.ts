import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Conversation } from '../../core/store/conversation.js';
import { Email } from '../../core/store/email.js';
import { agentHub } from '../helpers/agent-hub.js';
import { eventually } from '../helpers/hub.js';
import { LocalSmtp } from '../helpers/smtp.js';

// E-mail through a real SMTP server started here: a transcript the contact asks the flow for
// (agents by display name, no internal notes, no agent's e-mail, Reply-To the business, HTML
// escaped), a message left as a lead sent to the business, a relay down for a moment, and a
// relay that never takes it shown as failed in the console's list.

let smtp: LocalSmtp;
const chat = agentHub({
  secret: 'email-api-secret-01234567',
  agents: [
    { email: 'anna.secret@shop.example', displayName: 'Anna', role: 'agent' },
    { email: 'olga@shop.example', displayName: 'Olga', role: 'admin' },
  ],
  env: { flows: { shop: { path: join(import.meta.dirname, 'flows'), start: 'support' } } },
  before: async () => {
    smtp = await new LocalSmtp().start();
    return {
      extra: { email: { smtp: smtp.smtp, from: 'hub@switchboard.example' } },
      workspaces: { shop: { email: { replyTo: 'hello@shop.example', notify: 'leads@shop.example' } } },
    };
  },
  after: async () => smtp?.stop(),
});
const { api, write, received, until } = chat;

it('e-mails the contact the transcript they asked for: names not addresses, no notes, Reply-To the business, escaped', async () => {
  await write('ivy', 'hello <script>alert(1)</script>');
  await until('ivy', 1);
  const id = String((await Conversation.findOne({ user: 'ivy' }).lean())!._id);
  // A person answers first, and leaves a note for colleagues.
  await write('ivy', 'A human');
  await until('ivy', 2);
  expect((await api('Anna', `/conversations/${id}/take`, {})).status).toBe(200);
  expect((await api('Anna', `/conversations/${id}/notes`, { text: 'VIP, be nice' })).status).toBe(200);
  expect((await api('Anna', `/conversations/${id}/messages`, { text: 'Hi Ivy, Anna here.' })).status).toBe(200);
  expect((await api('Anna', `/conversations/${id}/handback`, { mode: 'restart' })).status).toBe(200);
  await until('ivy', 4);

  await write('ivy', 'hi again');
  await until('ivy', 5);
  await write('ivy', 'Email me this chat');
  await until('ivy', 6);
  await write('ivy', 'ivy@example.com');
  await until('ivy', 7);
  expect(received('ivy').at(-1)).toBe('Send it to ivy@example.com?');
  await write('ivy', 'Yes');
  await until('ivy', 8);
  expect(received('ivy').at(-1)).toBe('On its way to ivy@example.com.');

  await eventually(async () => smtp.received.some((m) => m.subject === 'Your conversation with Workspace shop'), 15_000, 'the transcript');
  const mail = smtp.received.find((m) => m.subject === 'Your conversation with Workspace shop')!;
  expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('ivy@example.com');
  expect(mail.replyTo?.text).toBe('hello@shop.example');
  expect(mail.text).toContain('You: hello <script>alert(1)</script>');
  expect(mail.text).toContain('Anna: Hi Ivy, Anna here.');
  expect(mail.text).toContain('Workspace shop: Passing you to a colleague.');
  for (const part of [mail.text ?? '', String(mail.html)]) {
    expect(part).not.toContain('anna.secret@shop.example');
    expect(part).not.toContain('VIP, be nice');
  }
  expect(String(mail.html)).toContain('hello &lt;script&gt;alert(1)&lt;/script&gt;');
  expect(String(mail.html)).not.toContain('<script>');
  // The SMTP server has the mail a moment before the log records it sent.
  await eventually(async () => (await Email.findOne({ kind: 'transcript' }).lean())?.status === 'sent', 10_000, 'the log entry');
  expect(await Email.findOne({ kind: 'transcript' }).lean()).toMatchObject({ to: 'ivy@example.com', status: 'sent', attempts: 1 });
});

it('sends a message left as a lead to the business, once, though the relay refused the first attempt', async () => {
  const before = smtp.offered;
  smtp.refuse = (n) => n === before + 1;
  await write('max', 'hello');
  await until('max', 1);
  await write('max', 'Leave a message');
  await until('max', 2);
  await write('max', 'Please call me about the blue sofa');
  await until('max', 3);
  await eventually(async () => smtp.received.some((m) => m.subject?.startsWith('New message from')), 15_000, 'the lead e-mail');
  const leads = smtp.received.filter((m) => m.subject?.startsWith('New message from'));
  expect(leads).toHaveLength(1);
  expect(leads[0]!.to && 'text' in leads[0]!.to ? leads[0]!.to.text : '').toBe('leads@shop.example');
  expect(leads[0]!.text).toContain('message: Please call me about the blue sofa');
  await eventually(async () => (await Email.findOne({ kind: 'lead' }).lean())?.status === 'sent', 10_000, 'the log entry');
  expect(await Email.findOne({ kind: 'lead' }).lean()).toMatchObject({ status: 'sent', attempts: 2 });
  smtp.refuse = () => false;
});

it('shows each e-mail with its status to admins, and a relay that never takes one as failed', async () => {
  smtp.refuse = () => true;
  await write('zoe', 'hello');
  await until('zoe', 1);
  await write('zoe', 'Email me this chat');
  await until('zoe', 2);
  await write('zoe', 'zoe@example.com');
  await until('zoe', 3);
  await write('zoe', 'Yes');
  await until('zoe', 4);
  await eventually(async () => (await Email.findOne({ to: 'zoe@example.com' }).lean())?.status === 'failed', 20_000, 'the failure');
  smtp.refuse = () => false;
  expect((await api('Anna', '/emails')).status).toBe(403);
  const listed = (await api('Olga', '/emails')).body.emails as { kind: string; to: string; status: string; error?: string }[];
  expect(listed[0]).toMatchObject({ kind: 'transcript', to: 'zoe@example.com', status: 'failed' });
  expect(listed[0]!.error).toMatch(/451/);
  expect(listed.map((e) => e.status).sort()).toEqual(['failed', 'sent', 'sent']);
});

it('forgets the e-mails about a person when they are erased, and lists them in their export', async () => {
  const identifier = 'api:shop-app:ivy';
  const exported = (await api('Olga', '/privacy/export', { identifier })).body;
  expect(JSON.stringify(exported)).toContain('ivy@example.com');
  expect(await Email.countDocuments({ to: 'ivy@example.com' })).toBe(1);
  expect((await api('Olga', '/privacy/erase', { identifier, confirm: true })).status).toBe(200);
  expect(await Email.countDocuments({ to: 'ivy@example.com' })).toBe(0);
  // Someone else's stay.
  expect(await Email.countDocuments({ to: 'zoe@example.com' })).toBe(1);
});
