import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { ChannelAccount, EmailRow } from './types';

/** A QR code drawn from its modules ("1" dark, row by row) as SVG rectangles: no markup from the hub, no inline styles. */
function QrCode({ size, modules }: { size: number; modules: string }) {
  const quiet = 4;
  const cells = [];
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) if (modules[y * size + x] === '1') cells.push(<rect key={`${x}-${y}`} x={x + quiet} y={y + quiet} width={1} height={1} />);
  const side = size + 2 * quiet;
  return (
    <svg
      class="qr"
      role="img"
      aria-label="QR code to scan in WhatsApp"
      viewBox={`0 0 ${side} ${side}`}
      width={side * 6}
      height={side * 6}
      shape-rendering="crispEdges"
    >
      <rect class="qr-light" x={0} y={0} width={side} height={side} />
      <g class="qr-dark">{cells}</g>
    </svg>
  );
}

type Linking = { state: 'waiting' } | { state: 'qr'; size: number; modules: string } | { state: 'done'; outcome: string } | { state: 'error'; message: string };

/** Linking one WhatsApp Web number: the hub streams each QR code as it comes (a newer one replaces the last), then the outcome. */
function LinkPanel({ account, finished }: { account: ChannelAccount; finished: () => void }) {
  const [linking, setLinking] = useState<Linking>({ state: 'waiting' });
  useEffect(() => {
    const abort = new AbortController();
    void api
      .link(account.channel, account.account, abort.signal, (line) => {
        if (line.qr) setLinking({ state: 'qr', ...line.qr });
        else if (line.done) {
          setLinking({ state: 'done', outcome: line.done });
          finished();
        } else if (line.error) setLinking({ state: 'error', message: line.error });
      })
      .catch((err: unknown) => {
        if (!abort.signal.aborted) setLinking({ state: 'error', message: err instanceof ApiError ? err.message : 'The hub cannot be reached.' });
      });
    return () => abort.abort();
  }, []);
  return (
    <div class="link-panel" aria-live="polite">
      {linking.state === 'waiting' ? <p class="muted">Starting WhatsApp Web…</p> : null}
      {linking.state === 'qr' ? (
        <>
          <p>In WhatsApp on the business phone: Settings › Linked devices › Link a device, then scan this code.</p>
          <QrCode size={linking.size} modules={linking.modules} />
        </>
      ) : null}
      {linking.state === 'done' ? (
        <p class="ok">{linking.outcome === 'linked' ? 'Linked. The hub picks the session up in a moment.' : 'Already linked.'}</p>
      ) : null}
      {linking.state === 'error' ? <p class="error">{linking.message}</p> : null}
    </div>
  );
}

function intakeText(a: ChannelAccount): string {
  if (!a.intake) return '–';
  if (a.intake.mode === 'polling') return 'Polling';
  if (a.intake.mode === 'socket') return 'Linked device';
  const registered = a.intake.registered === undefined ? 'Webhook' : a.intake.registered ? 'Webhook registered' : 'Webhook not registered';
  return a.intake.detail ? `${registered}: ${a.intake.detail}` : registered;
}

const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : 'never');

const emailKinds: Record<EmailRow['kind'], string> = { lead: 'Lead', transcript: 'Transcript', 'close-copy': 'Copy on close', waiting: 'Waiting too long' };

/** The latest e-mails and how sending went: a relay that refuses them shows here. */
function Emails() {
  const [emails, setEmails] = useState<EmailRow[] | undefined>();
  useEffect(() => {
    api.emails().then(
      (r) => setEmails(r.emails),
      () => setEmails([]),
    );
  }, []);
  if (!emails?.length) return null;
  return (
    <>
      <h2>E-mails</h2>
      <table class="emails">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">To</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {emails.map((e) => (
            <tr key={e.id} data-status={e.status}>
              <td>{when(e.createdAt)}</td>
              <td>{emailKinds[e.kind]}</td>
              <td>{e.to}</td>
              <td>{e.status === 'failed' ? `Failed after ${e.attempts} attempt(s): ${e.error ?? ''}` : e.status === 'sent' ? 'Sent' : 'Sending…'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** The channels page (admins): every account of the workspace with its state, and linking a WhatsApp Web number by QR. */
export function ChannelsPage() {
  const [accounts, setAccounts] = useState<ChannelAccount[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [linking, setLinking] = useState<string | undefined>();
  const load = () =>
    api.channels().then(
      (r) => setAccounts(r.accounts),
      (err: unknown) => setError(err instanceof ApiError ? err.message : 'The hub cannot be reached.'),
    );
  useEffect(() => void load(), []);
  if (error)
    return (
      <section class="pane pane-wide admin-page channels">
        <p class="error">{error}</p>
      </section>
    );
  if (!accounts) return <section class="pane pane-wide admin-page channels muted">Loading…</section>;
  return (
    <section class="pane pane-wide admin-page channels" aria-label="Channels">
      <h2>Channels</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col">Account</th>
            <th scope="col">Updates</th>
            <th scope="col">Last message in</th>
            <th scope="col">Last delivery error</th>
            <th scope="col">Session</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => {
            const key = `${a.channel}:${a.account}`;
            return (
              <tr key={key} data-account={key}>
                <td>{a.transport ? `${a.channel} (${a.transport})` : a.channel}</td>
                <td>{a.account}</td>
                <td class="intake">{intakeText(a)}</td>
                <td>{when(a.lastEventAt)}</td>
                <td class="last-error">{a.lastError ? `${when(a.lastError.at)}: ${a.lastError.reason}` : 'none'}</td>
                <td class="session">
                  {a.session ? (a.session.linked ? 'Linked' : 'Not linked') : '–'}
                  {a.linkable && !a.session?.linked && linking !== key ? (
                    <button type="button" onClick={() => setLinking(key)}>
                      Link by QR code
                    </button>
                  ) : null}
                  {linking === key ? <LinkPanel account={a} finished={() => void load()} /> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Emails />
    </section>
  );
}
