/* global document, crypto */
/**
 * The website chat widget, installed with one tag:
 *   <script src="https://hub.example/widget.js" data-account="shop" async></script>
 * It runs after the page (async), draws into its own shadow root, and talks to the hub over
 * one WebSocket. See ../README.md.
 */
import { connect } from './connection.js';
import { messageStore } from './messages.js';
import { storageFor } from './storage.js';
import { createView } from './view.js';

/** How long the typing dots show after the visitor sent something, if no reply comes sooner. */
const typingMs = 8000;
/** How long they show after the hub said an agent is typing (it says so again every 3 s while they type). */
const agentTypingMs = 5000;
/** The visitor's own typing is told to the hub at most this often. */
const typedEveryMs = 3000;
/** While the conversation waits for people, the place in line is asked for this often. */
const queueEveryMs = 15000;

// Only set while this script first runs, so read before waiting for the DOM.
const current = /** @type {HTMLScriptElement | null} */ (document.currentScript);

function boot() {
  const script = current ?? /** @type {HTMLScriptElement | null} */ (document.querySelector('script[data-account][src*="widget.js"]'));
  const account = script?.dataset.account;
  if (!script || !account) return console.warn('switchboard widget: add data-account="…" to the script tag');
  const hub = new URL(script.src, document.baseURI);
  const url = `${hub.protocol === 'https:' ? 'wss:' : 'ws:'}//${hub.host}/channels/widget/ws?account=${encodeURIComponent(account)}`;
  const storage = storageFor(account);
  const store = messageStore();
  /** @type {ReturnType<typeof createView> | undefined} */
  let view;
  /** @type {string} */
  let status = 'none';
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let typingTimer;
  let connected = false;
  let typedAt = 0;
  /** @type {{ position?: number, offline?: boolean, waitMinutes?: number } | undefined} the hub's last answer about the place in line */
  let queue;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let queueTimer;
  /** Answers without a place while the conversation already says it waits (see the `queue` frame). */
  let queueRetries = 0;
  /** The id of the last transcript request, to tell its refusal from the others'. @type {string | undefined} */
  let transcriptRequest;

  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`);

  /** The visitor's own frames: shown at once as pending, acknowledged by the hub. @param {Record<string, any>} frame @param {string | undefined} text */
  function sendOwn(frame, text, expectReply = true) {
    store.add({
      id: `cid:${frame.id}`,
      cid: frame.id,
      dir: 'in',
      sender: 'contact',
      pending: true,
      ...(text !== undefined ? { text } : {}),
      ...(frame.t === 'form' ? { form: { id: frame.form, fields: [] } } : {}),
    });
    socket.send(frame);
    if (expectReply) typing(true);
    refresh();
  }

  /** @param {boolean} on */
  function typing(on, forMs = typingMs) {
    clearTimeout(typingTimer);
    view?.typing(on);
    if (on) typingTimer = setTimeout(() => view?.typing(false), forMs);
  }

  /** The visitor typed: the agents' consoles say so (no id, so it is never kept or resent, and never the text). */
  function typed() {
    if (Date.now() - typedAt < typedEveryMs) return;
    typedAt = Date.now();
    socket.send({ t: 'typing' });
  }

  function refresh() {
    followQueue();
    view?.render(store.list(), { status, connected, conv: store.position().conv, ...(queue ? { queue } : {}) });
  }

  /** Asks where the visitor stands in line, at once and then every so often, while people have the conversation waiting. */
  function followQueue() {
    const want = status === 'waiting' && connected;
    if (want && !queueTimer) {
      socket.send({ t: 'queue' });
      queueTimer = setInterval(() => socket.send({ t: 'queue' }), queueEveryMs);
    } else if (!want && queueTimer) {
      clearInterval(queueTimer);
      queueTimer = undefined;
    }
    if (status !== 'waiting') queue = undefined;
  }

  const socket = connect({
    url,
    storage,
    position: () => store.position(),
    onState(on) {
      connected = on;
      refresh();
    },
    onFrame(frame) {
      switch (frame.t) {
        case 'hello':
          if (!view) {
            view = createView({
              config: frame.config,
              storage,
              send: (/** @type {string} */ text) => sendOwn({ t: 'msg', id: newId(), text }, text),
              choose: (/** @type {{ id: string, label: string }} */ c) => sendOwn({ t: 'choice', id: newId(), choice: c.id, text: c.label }, c.label),
              submitForm: (/** @type {string} */ form, /** @type {Record<string, string>} */ fields, /** @type {any} */ consent) =>
                sendOwn({ t: 'form', id: newId(), form, fields, ...(consent ? { consent } : {}) }, undefined, form !== 'prechat'),
              consent: (/** @type {'notice' | 'marketing'} */ purpose, /** @type {boolean} */ granted) =>
                socket.send({ t: 'consent', id: newId(), purpose, granted }),
              typed,
              requestTranscript: (/** @type {string} */ email) => {
                transcriptRequest = newId();
                socket.send({ t: 'transcript', id: transcriptRequest, email });
              },
              drop: () => socket.drop(),
            });
            // Sent before a reload and not yet acknowledged: shown as pending, resent by the socket.
            for (const f of socket.pending())
              if (f.t === 'msg' || f.t === 'choice')
                store.add({ id: `cid:${f.id}`, cid: String(f.id), dir: 'in', sender: 'contact', pending: true, text: String(f.text) });
          }
          break;
        case 'history':
          for (const m of frame.messages) store.add(m);
          status = frame.status;
          // A long conversation comes in pages: ask for the next one after what just arrived.
          if (frame.more) socket.send({ t: 'sync', ...store.position() });
          break;
        case 'msg':
          if (store.add(frame.m) && frame.m.dir === 'out') {
            typing(false);
            view?.arrived();
          }
          if (frame.status) status = frame.status;
          break;
        case 'ack':
          store.acked(frame.id);
          break;
        case 'typing':
          typing(true, agentTypingMs);
          break;
        case 'queue':
          queue = frame.position
            ? { position: frame.position, offline: Boolean(frame.offline), ...(frame.waitMinutes ? { waitMinutes: frame.waitMinutes } : {}) }
            : undefined;
          // The handoff's reply can arrive before its turn has stored the wait: ask again shortly.
          if (!queue && status === 'waiting' && queueRetries < 5) {
            queueRetries += 1;
            setTimeout(() => status === 'waiting' && socket.send({ t: 'queue' }), 1000);
          } else if (queue) queueRetries = 0;
          break;
        case 'error':
          if (frame.code === 'invalid' && frame.id && frame.id === transcriptRequest) view?.transcriptRefused(frame.message);
          else if (frame.code === 'invalid' && frame.id) store.failed(frame.id);
          break;
      }
      refresh();
    },
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
else boot();
