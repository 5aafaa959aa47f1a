import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close } from '../../core/conversations.js';
import type { Hub } from '../../core/hub.js';
import { ConsentEvent } from '../../core/store/consent.js';
import { Lead } from '../../core/store/lead.js';
import { Message } from '../../core/store/message.js';
import { cleanup, eventually, type TestEnv } from '../helpers/hub.js';
import { xssPayloads } from './xss-payloads.js';
import { FlakyNetwork, freePort, startWidgetHub, tokenFor, visitorIdOf, widgetEnv, workspace } from './helpers.js';

// The visitor's side in a real browser: the demo page through a network the test can cut,
// and a plain host site on another origin (no CSP of its own, so only the widget stops XSS).
const artifacts = 'test-artifacts/widget';
let env: TestEnv;
let hub: Hub;
let browser: Browser;
let net: FlakyNetwork;
let site: Server;
let port: number;
let siteUrl: string;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  port = await freePort();
  net = await new FlakyNetwork().start(() => port);
  site = createServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(
        `<!doctype html><html><body><h1>Another site</h1><script src="http://127.0.0.1:${port}/widget.js" data-account="shop" async></script></body></html>`,
      );
  });
  await new Promise<void>((ok) => site.listen(0, '127.0.0.1', ok));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  env = widgetEnv({
    port,
    origins: [`http://127.0.0.1:${port}`, `http://127.0.0.1:${net.port}`, siteUrl],
    flows: 'shop',
    account: { prechat: { enabled: true, fields: [{ name: 'name', label: 'Your name' }] } },
  });
  hub = await startWidgetHub(env);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  await net?.stop();
  await new Promise((r) => site?.close(r));
  if (env) await cleanup(env);
});

const widget = (page: Page) => page.locator('#switchboard-widget');
const texts = (page: Page) => widget(page).locator('.sb-msg:not(.sb-stale) .sb-text, .sb-msg.sb-stale .sb-text').allTextContents();

/** The page's Web Storage, typed here (the project's tsconfig has no DOM library). */
interface WebStorage {
  length: number;
  key(i: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
type StorageWindow = { localStorage: WebStorage; sessionStorage: WebStorage };

/** Every value the page's origin keeps in localStorage and sessionStorage, by key. */
const browserStorage = (page: Page) =>
  page.evaluate(() => {
    const w = globalThis as unknown as StorageWindow;
    const all = (s: WebStorage) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i)!, s.getItem(s.key(i)!)!]));
    return { local: all(w.localStorage), session: all(w.sessionStorage) };
  });

async function waitForText(page: Page, text: string): Promise<void> {
  await widget(page).locator('.sb-text', { hasText: text }).last().waitFor({ timeout: 20_000 });
}

describe('the widget in Chromium', () => {
  it('runs the demo: notice, pre-chat, welcome buttons, lead form with validation, reload, network drop', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => void (msg.type() === 'error' && problems.push(msg.text())));
    await page.goto(`http://127.0.0.1:${net.port}/demo`);
    // The bubble's icon is drawn (SVG), not a glyph that needs an emoji font.
    const bubble = widget(page).locator('.sb-bubble');
    expect(await bubble.textContent()).not.toMatch(/\p{Extended_Pictographic}/u);
    const drawn = await bubble.locator('svg path').boundingBox();
    expect(drawn!.width).toBeGreaterThan(15);
    await bubble.click();

    // First open: the notice with the policy link; recorded as shown.
    const notice = widget(page).locator('.sb-notice');
    await expect.poll(() => notice.textContent()).toContain('We keep what you write to answer you.');
    expect(await notice.locator('a').getAttribute('href')).toBe('https://shop.example/privacy');
    await page.screenshot({ path: `${artifacts}/1-notice.png` });
    await widget(page).getByRole('button', { name: 'Continue' }).click();

    // Pre-chat form: its marketing checkbox is unticked.
    const prechat = widget(page).locator('form[data-form="prechat"]');
    expect(await prechat.locator('input[type="checkbox"]').isChecked()).toBe(false);
    await prechat.getByLabel('Your name').fill('Ada');
    await prechat.getByRole('button', { name: 'Send' }).click();

    const input = widget(page).getByRole('textbox', { name: 'Write a message…' });
    await input.fill('hi');
    await input.press('Enter');
    await waitForText(page, "Hi Ada! I'm the Demo Shop assistant.");
    await widget(page).getByRole('button', { name: 'Opening hours' }).click();
    await waitForText(page, 'Anything else?');
    await widget(page).getByRole('button', { name: 'Yes' }).click();
    await eventually(async () => (await texts(page)).filter((t) => t.startsWith('Hi Ada!')).length === 2, 20_000, 'welcome again');
    await widget(page).getByRole('button', { name: 'Call me back' }).click();

    // The flow's lead form, shown whole: a bad e-mail is caught before anything is sent.
    const form = widget(page).locator('form[data-form="callback"]');
    await form.waitFor({ timeout: 20_000 });
    await form.getByLabel('What is your name?').fill('Ada Lovelace');
    await form.getByLabel('Your e-mail?').fill('ada@nowhere');
    await form.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => form.locator('.sb-error:not(:empty)').allTextContents()).toEqual(['Please enter a valid e-mail address.']);
    await page.screenshot({ path: `${artifacts}/2-invalid-email.png` });
    expect(await Lead.countDocuments({ workspace })).toBe(0);
    await form.getByLabel('Your e-mail?').fill('ada@example.com');
    await form.getByRole('checkbox').check();
    await form.getByRole('button', { name: 'Send' }).click();
    await waitForText(page, 'Thanks Ada Lovelace, we will be in touch within one working day.');
    await page.screenshot({ path: `${artifacts}/3-lead-sent.png` });

    const leads = await Lead.find({ workspace }).lean();
    expect(leads.map((l) => [l.form, l.fields, l.consent?.granted])).toEqual([['callback', { name: 'Ada Lovelace', email: 'ada@example.com' }, true]]);
    const user = leads[0]!.contact;
    expect(user).toBeTruthy();
    const consents = await ConsentEvent.find({ workspace, channel: 'widget' }).sort({ at: 1 }).lean();
    expect(consents.map((c) => [c.purpose, c.granted, c.evidence?.source])).toEqual([
      ['notice', true, 'widget-notice'],
      ['marketing', false, 'form'], // the pre-chat form's box, left unticked
      ['marketing', true, 'form'], // the lead form's, ticked
    ]);
    expect(consents[0]!.textVersion).toBe('n1');
    expect(consents[0]!.evidence?.userAgent).toMatch(/^Chrome\/Linux$/);
    expect(consents[0]!.evidence?.ip).toBeUndefined();

    // Reload: the same conversation, nothing doubled, the panel still open.
    const before = await texts(page);
    await page.reload();
    await waitForText(page, 'Thanks Ada Lovelace');
    await eventually(async () => (await texts(page)).length === before.length, 10_000, 'history after reload');
    expect(await texts(page)).toEqual(before);
    await page.screenshot({ path: `${artifacts}/4-after-reload.png` });

    // Network drop: a message written offline waits in the outbox and goes once the widget is back.
    net.cut();
    await expect.poll(() => widget(page).locator('.sb-status').textContent(), { timeout: 15_000 }).toBe('Reconnecting…');
    await input.fill('are you still there?');
    await input.press('Enter');
    await page.screenshot({ path: `${artifacts}/5-offline.png` });
    net.restore();
    await eventually(async () => (await texts(page)).filter((t) => t === 'Please pick one of the options.').length === 1, 30_000, 'reply after reconnect');
    // The answer goes out and the network drops at once: whichever side lost the frame, it arrives once.
    await widget(page).getByRole('button', { name: 'No, thanks' }).click();
    net.cut();
    await new Promise((r) => setTimeout(r, 300));
    net.restore();
    await waitForText(page, 'Thank you and have a nice day!');
    await new Promise((r) => setTimeout(r, 1000)); // a duplicate would have arrived by now
    const final = await texts(page);
    expect(final.filter((t) => t === 'are you still there?')).toHaveLength(1);
    expect(final.filter((t) => t === 'No, thanks')).toHaveLength(1);
    expect(final.filter((t) => t === 'Thank you and have a nice day!')).toHaveLength(1);
    const stored = await Message.find({ workspace, channel: 'widget', direction: 'in' }).lean();
    expect(stored.filter((m) => m.text === 'are you still there?')).toHaveLength(1);
    expect(stored.filter((m) => m.text === 'No, thanks')).toHaveLength(1);
    await page.screenshot({ path: `${artifacts}/6-after-drop.png` });

    // While this page is cut off, the conversation is closed and the visitor goes on in another
    // browser window (same visitor id, direct to the hub): the new conversation counts its
    // positions from the start again, and this page still catches up on it once back online.
    await close({ workspace, id: String(leads[0]!.conversation), queues: hub.queues, actor: 'test' });
    net.cut();
    await expect.poll(() => widget(page).locator('.sb-status').textContent(), { timeout: 15_000 }).toBe('Reconnecting…');
    const state = await context.storageState();
    const direct = `http://127.0.0.1:${port}`;
    const other = await browser.newContext({ storageState: { cookies: [], origins: state.origins.map((o) => ({ ...o, origin: direct })) } });
    const tab = await other.newPage();
    await tab.goto(`${direct}/demo/delivery`);
    const otherInput = widget(tab).getByRole('textbox', { name: 'Write a message…' });
    await otherInput.fill('back again');
    await otherInput.press('Enter');
    await waitForText(tab, "Hi Ada! I'm the Demo Shop assistant.");
    net.restore();
    const welcome = "Hi Ada! I'm the Demo Shop assistant. What can I do for you?";
    await eventually(async () => (await texts(page)).slice(-2).join(' | ') === `back again | ${welcome}`, 30_000, 'the new conversation after reconnect');
    expect((await texts(page)).filter((t) => t === 'back again')).toHaveLength(1);
    await other.close();

    // The demo page's strict CSP let the widget run without a single violation.
    expect(problems.filter((p) => !/ERR_CONNECTION|WebSocket connection/.test(p))).toEqual([]);
    await context.close();
  });

  it('renders classic XSS payloads as text, from the visitor and from the bot, on a site without a CSP', async () => {
    const payloads = xssPayloads;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(siteUrl);
    await widget(page).locator('.sb-bubble').click();
    await widget(page).getByRole('button', { name: 'Continue' }).click();
    await widget(page).locator('form[data-form="prechat"]').getByRole('button', { name: 'Send' }).click();
    const input = widget(page).getByRole('textbox', { name: 'Write a message…' });
    for (const p of payloads) {
      await input.fill(p);
      await input.press('Enter');
    }
    await eventually(
      async () => (await texts(page)).filter((t) => t === 'Please pick one of the options.').length === payloads.length - 1,
      20_000,
      'every reply',
    );
    // The bot says a visitor's value back in the lead form's thank-you: the name is a payload.
    await widget(page).locator('.sb-msg:not(.sb-stale)').getByRole('button', { name: 'Call me back' }).click();
    const form = widget(page).locator('form[data-form="callback"]');
    await form.waitFor({ timeout: 20_000 });
    await form.getByLabel('What is your name?').fill(payloads[0]!);
    await form.getByRole('button', { name: 'Send' }).click();
    await waitForText(page, `Thanks ${payloads[0]}, we will be in touch`);
    const shown = await texts(page);
    for (const p of payloads) expect(shown).toContain(p);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await widget(page).locator('.sb-log img, .sb-log script, .sb-log svg, .sb-log iframe, .sb-log #xss').count()).toBe(0);
    await page.screenshot({ path: `${artifacts}/7-xss.png` });
    await context.close();
  });

  it('keeps a message in the outbox only until the hub acknowledges it: then no text of it is left in the browser', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${net.port}/demo`);
    await widget(page).locator('.sb-bubble').click();
    await widget(page).getByRole('button', { name: 'Continue' }).click();
    const prechat = widget(page).locator('form[data-form="prechat"]');
    await prechat.getByLabel('Your name').fill('Grace Hopper');
    await prechat.getByRole('button', { name: 'Send' }).click();
    const input = widget(page).getByRole('textbox', { name: 'Write a message…' });
    await input.fill('my parcel code is 7781');
    await input.press('Enter');
    await waitForText(page, "Hi Grace Hopper! I'm the Demo Shop assistant.");
    await expect.poll(() => widget(page).locator('.sb-pending').count()).toBe(0);

    // Written while offline: kept (this tab only) while the hub does not have it...
    net.cut();
    await expect.poll(() => widget(page).locator('.sb-status').textContent(), { timeout: 15_000 }).toBe('Reconnecting…');
    await input.fill('call me on +420 601 123 456');
    await input.press('Enter');
    const offline = await browserStorage(page);
    expect(offline.session['sb:shop:outbox']).toContain('call me on +420 601 123 456');
    expect(JSON.stringify(offline.local)).not.toContain('+420');
    // ...and gone the moment it is acknowledged.
    net.restore();
    await eventually(async () => (await texts(page)).includes('Please pick one of the options.'), 30_000, 'reply after reconnect');
    await expect.poll(() => widget(page).locator('.sb-pending').count()).toBe(0);
    const after = await browserStorage(page);
    expect(Object.keys(after.session)).toEqual([]);
    for (const secret of ['7781', '+420', 'Grace', 'Hopper']) expect(JSON.stringify(after)).not.toContain(secret);
    // What is left is the table in README "Storage in the browser", nothing more.
    expect(Object.keys(after.local).sort()).toEqual([
      'sb:shop:notice',
      'sb:shop:open',
      'sb:shop:prechat',
      'sb:shop:seen',
      'sb:shop:visitor',
      'sb:shop:visitorExpires',
    ]);
    // The token lives its lifetime (6 months by default) from its first issue, on this browser's clock.
    const sixMonths = 183 * 24 * 3600_000;
    expect(Math.abs(Number(after.local['sb:shop:visitorExpires']) - Date.now() - sixMonths)).toBeLessThan(4 * 24 * 3600_000);
    await context.close();
  });

  it('after the visitor token expired, the widget starts as on a first visit: new id, notice and pre-chat again, no old conversation', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/demo`);
    await widget(page).locator('.sb-bubble').click();
    await widget(page).getByRole('button', { name: 'Continue' }).click();
    await widget(page).locator('form[data-form="prechat"]').getByRole('button', { name: 'Send' }).click();
    const input = widget(page).getByRole('textbox', { name: 'Write a message…' });
    await input.fill('my old question');
    await input.press('Enter');
    await waitForText(page, "I'm the Demo Shop assistant.");
    const first = (await browserStorage(page)).local['sb:shop:visitor']!;
    const user = visitorIdOf(first);

    const fresh = async () => {
      await page.reload();
      await widget(page).locator('.sb-notice').waitFor({ timeout: 20_000 });
      const now = (await browserStorage(page)).local;
      expect(visitorIdOf(now['sb:shop:visitor']!)).not.toBe(user);
      expect(now['sb:shop:prechat']).toBeUndefined();
      await new Promise((r) => setTimeout(r, 500)); // the catch-up has come by now
      expect(await texts(page)).toEqual([]);
    };
    // The browser drops a token at its expiry itself...
    await page.evaluate(() => (globalThis as unknown as StorageWindow).localStorage.setItem('sb:shop:visitorExpires', String(Date.now() - 1000)));
    await fresh();
    // ...and the hub gives a new id for one past its lifetime (issued 7 months ago, e.g. kept by an older script).
    await page.evaluate(
      (old) => {
        const { localStorage } = globalThis as unknown as StorageWindow;
        localStorage.setItem('sb:shop:visitor', old);
        localStorage.removeItem('sb:shop:visitorExpires');
      },
      tokenFor(user, new Date(Date.now() - 213 * 24 * 3600_000)),
    );
    await fresh();
    // The id it had is still the old conversation's, unreachable from this browser.
    const old = await Message.find({ workspace, channel: 'widget', user, direction: 'in' }).lean();
    expect(old.filter((m) => m.text).map((m) => m.text)).toEqual(['my old question']);
    await context.close();
  });
});
