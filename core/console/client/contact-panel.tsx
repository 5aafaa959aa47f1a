import type { Contact, Summary } from './types';

const day = (iso: string) => new Date(iso).toLocaleDateString();

function Fields({ fields }: { fields: Record<string, unknown> }) {
  return (
    <dl class="fields">
      {Object.entries(fields).map(([k, v]) => [<dt key={`t${k}`}>{k}</dt>, <dd key={`d${k}`}>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>])}
    </dl>
  );
}

/** Who the contact is: identities, what they typed, their leads and consent, and whether they saw the privacy notice. */
export function ContactPanel({ contact, conversation }: { contact: Contact; conversation: Summary }) {
  const typed = contact.typed ?? {};
  return (
    <aside class="contact" aria-label="Contact">
      <h2>{contact.name || conversation.contact.name || 'Unknown contact'}</h2>
      {conversation.restricted ? <p class="restricted">Processing restricted: answer only what they ask; nothing goes to the bot or the CRM.</p> : null}
      <section>
        <h3>Identities</h3>
        <ul class="plain">
          {(contact.identities ?? []).map((i) => (
            <li key={i} class="mono">
              {i}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h3>Typed by them</h3>
        {Object.keys(typed).length ? <Fields fields={typed} /> : <p class="muted">Nothing yet.</p>}
      </section>
      <section>
        <h3>Leads</h3>
        {contact.leads?.length ? (
          contact.leads.map((l, i) => (
            <div key={i} class="lead">
              <p>
                <strong>{l.form}</strong> <span class="muted">{day(l.at)}</span>
              </p>
              <Fields fields={l.fields} />
            </div>
          ))
        ) : (
          <p class="muted">None.</p>
        )}
      </section>
      <section>
        <h3>Consent</h3>
        {contact.consent?.length ? (
          <ul class="plain">
            {contact.consent.map((c, i) => (
              <li key={i}>
                {c.purpose}: <span class={c.granted ? 'granted' : 'withdrawn'}>{c.granted ? 'granted' : 'withdrawn'}</span>{' '}
                <span class="muted">{day(c.at)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">None recorded.</p>
        )}
      </section>
      <section>
        <h3>Privacy notice</h3>
        <p>{contact.noticeSeen ? `Seen (version ${contact.noticeSeen})` : 'Not seen yet'}</p>
      </section>
    </aside>
  );
}
