import type { Logger } from 'pino';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config, WorkspaceConfig } from '../config/schema.js';
import { withoutIdentifiers } from '../logger.js';
import { Email } from '../store/email.js';
import { inWorkspace } from '../store/in-workspace.js';
import { composeEmail } from './compose.js';

/** One transport per relay, kept: nodemailer pools nothing by default, but building one is not free either. */
const transports = new Map<string, Transporter>();

function relayOf(config: Config, workspace: WorkspaceConfig) {
  const smtp = workspace.email?.smtp ?? config.email?.smtp;
  const from = workspace.email?.from ?? config.email?.from;
  return smtp && from ? { smtp, from } : undefined;
}

function transportFor(smtp: NonNullable<ReturnType<typeof relayOf>>['smtp']): Transporter {
  const key = JSON.stringify(smtp);
  let transport = transports.get(key);
  if (!transport) {
    transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
      // Never hang a queue worker on a relay that stopped answering.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    transports.set(key, transport);
  }
  return transport;
}

/**
 * Sends one e-mail of the log (a job of the side-job queue, which retries it with backoff): made
 * from the conversation or lead as it is now, to the address stored, with the business as
 * `Reply-To`. The outcome is recorded on the log entry; a failure is thrown for the queue to
 * retry, and recorded `failed` on the last attempt. Addresses and bodies are never logged.
 */
export async function deliverEmail(
  options: { config: Config; logger: Logger },
  job: { workspace: string; email: string; attemptsMade: number; attempts: number },
): Promise<void> {
  const workspace = options.config.workspaces.find((w) => w.id === job.workspace);
  const email = inWorkspace(await Email.findById(job.email).lean(), job.workspace);
  if (!workspace || !email || email.status === 'sent') return;
  const relay = relayOf(options.config, workspace);
  const attempts = job.attemptsMade + 1;
  const fail = async (reason: string, last: boolean) => {
    await Email.updateOne({ _id: email._id }, { $set: { status: last ? 'failed' : 'queued', attempts, error: reason } });
  };
  if (!relay) return fail('no SMTP relay configured (email.smtp and email.from)', true);
  const message = await composeEmail(email, workspace);
  if (!message) return fail('what it was about is gone (erased or past retention)', true);
  try {
    await transportFor(relay.smtp).sendMail({
      from: relay.from,
      to: email.to,
      ...(workspace.email?.replyTo ? { replyTo: workspace.email.replyTo } : {}),
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
  } catch (err) {
    const reason = withoutIdentifiers((err as Error).message).slice(0, 300);
    await fail(reason, attempts >= job.attempts);
    options.logger.warn({ email: email._id, kind: email.kind, attempts, reason }, 'e-mail not sent');
    throw err;
  }
  await Email.updateOne({ _id: email._id }, { $set: { status: 'sent', attempts, sentAt: new Date() }, $unset: { error: 1 } });
}
