/* global document, window, CSSStyleSheet */
/**
 * The bubble and the panel, in a shadow root (the host page's CSS cannot reach in, ours cannot
 * leak out). Messages are drawn once and kept (a form being filled in survives new messages);
 * the visitor moves through the notice, the pre-chat form and the chat, and sees the offline
 * form when the conversation is handed off with nobody online.
 */
import { h, icon } from './dom.js';
import { renderForm } from './forms.js';
import { beep } from './sound.js';
import { css } from './styles.js';

/** A speech bubble (Material Design's `chat`, Apache 2.0). */
const chatIcon = 'M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2zM6 9h12v2H6V9zm8 5H6v-2h8v2zm4-6H6V6h12v2z';

/** @param {string | null} value @returns {{ order: number, conv?: string }} */
function parseSeen(value) {
  const [order, conv] = (value ?? '').split(':');
  const n = Number(order);
  return { order: order && Number.isFinite(n) ? n : -1, ...(conv ? { conv } : {}) };
}

/**
 * @param {{ config: any, storage: ReturnType<typeof import('./storage.js').storageFor>,
 *   send: (text: string) => void, choose: (c: { id: string, label: string }) => void,
 *   submitForm: (form: string, fields: Record<string, string>, consent?: { purpose: string, granted: boolean, text: string }) => void,
 *   consent: (purpose: 'notice' | 'marketing', granted: boolean) => void, typed: () => void,
 *   requestTranscript: (email: string) => void, drop: () => void }} options
 */
export function createView(options) {
  const { config, storage } = options;
  const t = /** @type {Record<string, string>} */ (config.texts);
  const host = h('div', { id: 'switchboard-widget' });
  host.style.setProperty('--sb-color', config.color);
  const shadow = host.attachShadow({ mode: 'open' });
  if ('adoptedStyleSheets' in shadow) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    // Old browsers only: a <style> element needs style-src 'unsafe-inline' on the host page.
    /** @type {ShadowRoot} */ (shadow).append(h('style', { text: css }));
  }

  const badge = h('span', { class: 'sb-badge', hidden: true, 'aria-hidden': 'true' });
  const bubble = h('button', { class: 'sb-bubble', type: 'button', 'aria-label': config.title, 'aria-expanded': 'false', 'aria-controls': 'sb-panel' }, [
    icon(chatIcon),
    badge,
  ]);
  const status = h('span', { class: 'sb-status', 'aria-live': 'polite' });
  const soundItem = h('button', { type: 'button', role: 'menuitem', 'data-action': 'sound' });
  const withdrawItem = config.marketing ? h('button', { type: 'button', role: 'menuitem', 'data-action': 'withdraw', text: t.withdrawMarketing }) : undefined;
  const transcriptItem = config.transcript
    ? h('button', { type: 'button', role: 'menuitem', 'data-action': 'transcript', text: t.emailTranscript })
    : undefined;
  const menu = h('div', { class: 'sb-menu', role: 'menu', hidden: true }, [soundItem, withdrawItem, transcriptItem]);
  const menuButton = h('button', { class: 'sb-icon', type: 'button', 'aria-label': 'Menu', 'aria-haspopup': 'menu', 'aria-expanded': 'false', text: '⋮' });
  const closeButton = h('button', { class: 'sb-icon', type: 'button', 'aria-label': 'Close', text: '×' });
  const log = h('div', { class: 'sb-log', role: 'log', 'aria-live': 'polite', tabindex: '0' });
  const typingDots = h('div', { class: 'sb-typing', hidden: true, 'aria-label': '…', text: '•••' });
  const extra = h('div', { class: 'sb-extra' });
  const queueLine = h('p', { class: 'sb-queue', role: 'status', hidden: true });
  const transcriptBox = h('div', { class: 'sb-transcript', hidden: true });
  const input = h('input', { type: 'text', placeholder: t.placeholder, 'aria-label': t.placeholder, maxlength: '4000', autocomplete: 'off' });
  const composer = h('form', { class: 'sb-composer' }, [input, h('button', { type: 'submit', text: t.send })]);
  const panel = h('section', { class: 'sb-panel', id: 'sb-panel', role: 'dialog', 'aria-label': config.title, hidden: true }, [
    h('header', { class: 'sb-head' }, [h('h2', { text: config.title }), status, menuButton, closeButton, menu]),
    log,
    queueLine,
    transcriptBox,
    extra,
    composer,
  ]);
  const root = h('div', { class: 'sb-root', 'data-position': config.position }, [panel, bubble]);
  shadow.append(root);
  if (config.greeting) log.append(h('p', { class: 'sb-greeting', text: config.greeting }));
  const list = h('div', { class: 'sb-list' });
  log.append(list, typingDots);
  document.body.append(host);

  /** @type {Map<string, HTMLElement>} */
  const drawn = new Map();
  /** @type {Record<string, Record<string, string>>} */
  const lastValues = {};
  let open = false;
  let unread = 0;
  /** The last reply seen: its conversation and position (stored as `order:conv`). */
  let seen = parseSeen(storage.get('seen'));
  /** @type {any[]} */
  let messages = [];
  /** @type {{ status: string, connected: boolean, conv?: string }} */
  /** @type {{ status: string, connected: boolean, conv?: string, queue?: { position?: number, offline?: boolean, waitMinutes?: number } }} */
  let state = { status: 'none', connected: false };
  /** @type {string | undefined} */
  let extraShown;

  const sound = () => storage.get('sound') === 'on';
  const noticeDue = () => Boolean(config.notice) && storage.get('notice') !== config.notice.version;
  const prechatDue = () => Boolean(config.prechat) && storage.get('prechat') !== 'sent' && !messages.some((m) => m.dir === 'in');

  function setOpen(/** @type {boolean} */ value) {
    open = value;
    panel.hidden = !value;
    root.classList.toggle('sb-open', value);
    bubble.setAttribute('aria-expanded', String(value));
    storage.set('open', value ? '1' : null);
    if (value) {
      markSeen();
      if (noticeDue()) showNotice();
      update();
      (input.disabled ? log : input).focus();
    } else {
      menu.hidden = true;
      bubble.focus();
    }
  }

  /** Positions count per conversation: only the current one's replies can be unread. */
  const seenIn = (/** @type {string | undefined} */ conv) => (seen.conv === conv ? seen.order : -1);

  function markSeen() {
    let order = seenIn(state.conv);
    for (const m of messages) if (m.conv === state.conv && m.order !== undefined && m.order > order) order = m.order;
    seen = { order, conv: state.conv };
    storage.set('seen', state.conv ? `${order}:${state.conv}` : String(order));
    unread = 0;
    badge.hidden = true;
  }

  /** The notice, on first open: recorded as shown the moment it is drawn. */
  function showNotice() {
    if (log.querySelector('.sb-notice')) return;
    const n = config.notice;
    const [before, after] = n.text.includes('{policyUrl}') ? n.text.split('{policyUrl}', 2) : [n.text, ''];
    const link = n.policyUrl ? h('a', { href: n.policyUrl, target: '_blank', rel: 'noopener noreferrer', text: t.privacyLink }) : undefined;
    /** @type {HTMLInputElement | undefined} */
    let box;
    // The marketing checkbox sits under the notice unless the pre-chat form asks it anyway.
    const marketing =
      config.marketing && !config.prechat
        ? h('label', { class: 'sb-consent' }, [(box = h('input', { type: 'checkbox', name: 'marketing' })), h('span', { text: config.marketing.text })])
        : undefined;
    const button = h('button', { type: 'button', class: 'sb-primary', text: t.noticeContinue });
    const notice = h('div', { class: 'sb-notice', role: 'note' }, [h('p', {}, [before, link, after]), marketing, button]);
    log.insertBefore(notice, list);
    options.consent('notice', true);
    button.addEventListener('click', () => {
      if (box?.checked) options.consent('marketing', true);
      storage.set('notice', config.notice.version);
      notice.remove();
      update();
      input.focus();
    });
  }

  /**
   * The form under the log: the pre-chat form before the first message, the offline form after a
   * handoff nobody will answer soon; while someone will, the visitor's place in line instead.
   */
  function update() {
    const queue = state.status === 'waiting' ? state.queue : undefined;
    const waiting = Boolean(queue?.offline) && !offlineSentSinceHandoff();
    const want = noticeDue() ? undefined : prechatDue() ? 'prechat' : waiting ? 'offline' : undefined;
    const place = queue && !queue.offline && queue.position ? queue.position : undefined;
    queueLine.hidden = !place;
    const wait = place && queue?.waitMinutes ? ` ${t.queueWait.replace(/\{minutes\}/g, String(queue.waitMinutes))}` : '';
    queueLine.textContent = place ? t.queuePosition.replace(/\{ordinal\}/g, ordinal(place)).replace(/\{position\}/g, String(place)) + wait : '';
    if (want !== extraShown) {
      extra.replaceChildren();
      extraShown = want;
      if (want) {
        const spec = want === 'prechat' ? config.prechat : config.offline;
        const title = want === 'prechat' ? t.prechatTitle : t.offlineTitle;
        extra.append(
          renderForm(
            { ...spec, title },
            {
              texts: t,
              onSubmit: (fields, consent) => {
                if (want === 'prechat') storage.set('prechat', 'sent');
                options.submitForm(want, fields, consent);
                extra.replaceChildren();
                extraShown = undefined;
                update();
              },
            },
          ),
        );
      }
    }
    input.disabled = noticeDue() || want === 'prechat';
    status.textContent = state.connected ? '' : t.reconnecting;
  }

  /** Whether an offline form was sent after the conversation's last bot message (the handoff). */
  function offlineSentSinceHandoff() {
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i];
      if (m.dir === 'in' && m.form?.id === 'offline') return true;
      if (m.dir === 'out' && m.sender === 'bot') return false;
    }
    return false;
  }

  /** One message's element, drawn once. @param {any} m @param {boolean} latest */
  function draw(m, latest) {
    const own = m.dir === 'in';
    if (own && m.form?.id === 'prechat') return undefined; // about the visitor, not part of the chat
    const text = m.text ?? (own && m.form ? '✓' : undefined);
    const el = h('div', { class: `sb-msg ${own ? 'sb-in' : 'sb-out'}${m.sender === 'system' ? ' sb-system' : ''}`, 'data-id': m.id }, [
      // Who answers, once people do: the agent's display name above their message.
      !own && m.sender === 'agent' && m.name && h('span', { class: 'sb-name', text: m.name }),
      text !== undefined && h('p', { class: 'sb-text', text }),
    ]);
    if (!own && m.choices?.length) {
      const group = h('div', { class: 'sb-choices', role: 'group' });
      for (const c of m.choices) {
        const b = h('button', { type: 'button', text: c.label });
        b.addEventListener('click', () => options.choose(c));
        group.append(b);
      }
      el.append(group);
    }
    if (!own && m.form?.fields?.length && latest) {
      el.append(
        renderForm(m.form, {
          texts: t,
          values: lastValues[m.form.id],
          onSubmit: (fields, consent) => {
            lastValues[m.form.id] = fields;
            options.submitForm(m.form.id, fields, consent);
          },
        }),
      );
    }
    return el;
  }

  /** @param {any[]} all @param {{ status: string, connected: boolean, conv?: string, queue?: { position?: number, offline?: boolean, waitMinutes?: number } }} now */
  function render(all, now) {
    messages = all;
    state = now;
    const lastOut = [...all].reverse().find((m) => m.dir === 'out');
    // Forms and buttons belong to the latest bot message; once the visitor answered, they go.
    const answered = all.length > 0 && all[all.length - 1].dir === 'in';
    let previous = /** @type {Element | null} */ (null);
    for (const m of all) {
      const key = m.cid ? `cid:${m.cid}` : m.id;
      let el = drawn.get(key);
      if (!el) {
        const made = draw(m, m === lastOut && !answered);
        if (!made) continue;
        el = made;
        drawn.set(key, el);
      }
      el.classList.toggle('sb-pending', Boolean(m.pending));
      el.classList.toggle('sb-failed', Boolean(m.failed));
      el.classList.toggle('sb-stale', m !== lastOut || answered);
      const want = previous ? previous.nextSibling : list.firstChild;
      if (want !== el) list.insertBefore(el, want);
      previous = el;
    }
    update();
    if (open) {
      markSeen();
      log.scrollTop = log.scrollHeight;
    } else {
      unread = messages.filter((m) => m.dir === 'out' && m.order !== undefined && m.conv === state.conv && m.order > seenIn(state.conv)).length;
      badge.textContent = String(unread);
      badge.hidden = unread === 0;
    }
  }

  bubble.addEventListener('click', () => setOpen(!open));
  closeButton.addEventListener('click', () => setOpen(false));
  root.addEventListener('keydown', (event) => {
    if (/** @type {KeyboardEvent} */ (event).key === 'Escape' && open) setOpen(false);
  });
  menuButton.addEventListener('click', () => {
    menu.hidden = !menu.hidden;
    menuButton.setAttribute('aria-expanded', String(!menu.hidden));
    soundItem.textContent = sound() ? t.soundOff : t.soundOn;
    if (!menu.hidden) soundItem.focus();
  });
  soundItem.addEventListener('click', () => {
    storage.set('sound', sound() ? null : 'on');
    menu.hidden = true;
  });
  withdrawItem?.addEventListener('click', () => {
    options.consent('marketing', false);
    menu.hidden = true;
    log.insertBefore(h('p', { class: 'sb-note', role: 'status', text: t.withdrawn }), typingDots);
  });
  transcriptItem?.addEventListener('click', () => {
    menu.hidden = true;
    askTranscriptAddress('');
  });

  /** The address, typed and then shown back for a confirmation before anything is sent. @param {string} typed */
  function askTranscriptAddress(typed) {
    const field = h('input', {
      type: 'email',
      required: true,
      'aria-label': t.transcriptAddress,
      placeholder: t.transcriptAddress,
      maxlength: '254',
      autocomplete: 'email',
    });
    field.value = typed;
    const form = h('form', { class: 'sb-transcript-form' }, [field, h('button', { type: 'submit', text: t.submit })]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const email = field.value.trim();
      if (email && field.checkValidity()) confirmTranscript(email);
    });
    transcriptBox.replaceChildren(form);
    transcriptBox.hidden = false;
    field.focus();
  }

  /** @param {string} email */
  function confirmTranscript(email) {
    const send = h('button', { type: 'button', text: t.submit });
    const change = h('button', { type: 'button', class: 'sb-link', text: t.transcriptChange });
    send.addEventListener('click', () => {
      options.requestTranscript(email);
      transcriptBox.replaceChildren(h('p', { class: 'sb-note', role: 'status', text: t.transcriptSent.replace(/\{email\}/g, email) }));
    });
    change.addEventListener('click', () => askTranscriptAddress(email));
    transcriptBox.replaceChildren(h('p', { text: t.transcriptConfirm.replace(/\{email\}/g, email) }), send, change);
  }

  input.addEventListener('input', () => input.value.trim() && options.typed());
  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || input.disabled) return;
    input.value = '';
    options.send(text);
  });
  if (storage.get('open') === '1' && window.innerWidth > 480) setOpen(true);

  return {
    render,
    /** The hub refused the transcript request (a bad address, or nothing to send yet). @param {string} message */
    transcriptRefused(message) {
      transcriptBox.replaceChildren(h('p', { class: 'sb-error', role: 'alert', text: message }));
      transcriptBox.hidden = false;
    },
    /** @param {boolean} on */
    typing(on) {
      typingDots.hidden = !on;
      if (on && open) log.scrollTop = log.scrollHeight;
    },
    /** A new reply arrived live. */
    arrived() {
      if (sound() && (!open || document.hidden)) beep();
    },
  };
}

const ordinalRules = new Intl.PluralRules('en', { type: 'ordinal' });
const ordinalSuffix = /** @type {Record<string, string>} */ ({ one: 'st', two: 'nd', few: 'rd', other: 'th' });
/** 1st, 2nd, 3rd, 4th, … 11th, 21st: English, as the default text is. @param {number} n */
function ordinal(n) {
  return `${n}${ordinalSuffix[ordinalRules.select(n)] ?? 'th'}`;
}
