import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, disableAgent, setSecondFactor } from '../../core/agents/accounts.js';
import { saveCannedReply } from '../../core/agents/canned-replies.js';
import { currentTotp } from '../../core/agents/totp.js';
import type { Hub } from '../../core/hub.js';
import { cleanup, type TestEnv } from '../helpers/hub.js';
import { freePort, startWidgetHub, widgetEnv } from '../widget/helpers.js';
import { chromiumOptions, consoleAs, visitorAs, watchProblems } from './helpers.js';

// The console's transfer menu, canned replies in the composer and the second factor at sign-in,
// with agents and visitors each in a browser context of their own, against one hub running the
// demo shop's flow.
const artifacts = 'test-artifacts/console';
const password = 'correct horse battery staple';
const people = {
  anna: { email: 'anna@shop.example', displayName: 'Anna', role: 'agent' },
  petr: { email: 'petr@shop.example', displayName: 'Petr', role: 'agent' },
  dana: { email: 'dana@shop.example', displayName: 'Dana', role: 'agent' },
  olga: { email: 'olga@shop.example', displayName: 'Olga', role: 'admin' },
} as const;
const refund = 'We have refunded your order; the money is back on your card within 5 working days.';
let env: TestEnv;
let hub: Hub;
let browser: Browser;
const consoles: Record<string, { page: Page; problems: string[] }> = {};

/** A visitor who asked for a person: their conversation waits for an agent. */
async function handedOff(name: string) {
  const visitor = await visitorAs(browser, hub.url!, name);
  await visitor.say('hi');
  await visitor.waitFor(`Hi ${name}! I'm the Demo Shop assistant.`);
  await visitor.widget.getByRole('button', { name: 'Talk to a human' }).click();
  await visitor.waitFor('I am passing you to a colleague');
  return visitor;
}

/** Opens a conversation from a list of the console's and waits for its history. */
async function open(page: Page, view: 'Mine' | 'Waiting' | 'Open', contact: string) {
  await page.getByRole('tab', { name: view }).click();
  await page.locator('.rows .row', { hasText: contact }).click();
  await page.locator('.pane-title h2', { hasText: contact }).waitFor();
  await page.locator('.timeline .msg-contact').first().waitFor();
}

const owner = (page: Page) => page.locator('.owner').textContent();
const row = (page: Page, contact: string) => page.locator('.rows .row', { hasText: contact });

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const port = await freePort();
  env = widgetEnv({ port, flows: 'shop', account: { prechat: { enabled: true, fields: [{ name: 'name', label: 'Your name' }] } } });
  hub = await startWidgetHub(env);
  for (const p of Object.values(people)) await addAgent({ workspace: 'shop', ...p, password, actor: 'test' });
  // Before anyone signs in: the console reads the list once per session.
  await saveCannedReply({ workspace: 'shop', shortcut: 'refund', text: refund, actor: 'test' });
  await saveCannedReply({ workspace: 'shop', shortcut: 'greeting', text: 'Hello, how can I help you today?', actor: 'test' });
  browser = await chromium.launch(chromiumOptions);
  for (const [who, p] of Object.entries(people)) if (who !== 'dana') consoles[who] = await consoleAs(browser, hub.url!, { email: p.email, password });
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  if (env) await cleanup(env);
});

describe('the console’s actions in Chromium', () => {
  it('transfers a taken conversation to a colleague by name: theirs in Mine, no longer the first agent’s; a refusal shows where the button is', async () => {
    const anna = consoles.anna!.page;
    const petr = consoles.petr!.page;
    await petr.getByRole('tab', { name: 'Mine' }).click();
    const visitor = await handedOff('Vera');
    await open(anna, 'Waiting', 'Vera');
    const transfer = anna.getByRole('button', { name: 'Transfer', exact: true });
    // Not hers yet, and she is no admin.
    expect(await transfer.isDisabled()).toBe(true);
    await anna.getByRole('button', { name: 'Take', exact: true }).click();
    await expect.poll(() => owner(anna)).toBe('Yours');
    await visitor.waitFor('Anna joined the chat.');

    // The menu lists the others by name; Escape or a click elsewhere closes it, a click in its team field does not.
    const menu = anna.getByRole('dialog', { name: 'Transfer' });
    await transfer.click();
    await anna.getByRole('menuitem').first().waitFor();
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['Dana', 'Olga', 'Petr']);
    await anna.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    await transfer.click();
    await menu.getByPlaceholder('Team id').click();
    expect(await menu.isVisible()).toBe(true);
    expect(await menu.getByRole('button', { name: 'Transfer to team' }).isDisabled()).toBe(true);
    await anna.locator('.pane-title h2').click();
    await menu.waitFor({ state: 'detached' });

    // Dana leaves while the menu still offers her: the hub's refusal shows, and the conversation stays Anna's.
    await transfer.click();
    await menu.getByRole('menuitem', { name: 'Dana' }).waitFor();
    await disableAgent({ workspace: 'shop', email: people.dana.email, actor: 'test' });
    await menu.getByRole('menuitem', { name: 'Dana' }).click();
    await expect.poll(() => anna.locator('.pane-error').textContent()).toBe('that agent is disabled or not in this workspace');
    expect(await owner(anna)).toBe('Yours');
    await anna.screenshot({ path: `${artifacts}/actions-1-transfer-refused.png` });

    await transfer.click();
    await anna.getByRole('menuitem').first().waitFor();
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['Olga', 'Petr']);
    await anna.screenshot({ path: `${artifacts}/actions-2-transfer-menu.png` });
    await menu.getByRole('menuitem', { name: 'Petr' }).click();
    await expect.poll(() => owner(anna)).toBe('With Petr');
    expect(await anna.locator('.pane-error').count()).toBe(0);
    expect(await transfer.isDisabled()).toBe(true);
    expect(await anna.getByRole('textbox', { name: 'Reply' }).isDisabled()).toBe(true);
    await visitor.waitFor('Petr joined the chat.');

    // Petr's Mine shows it live; Anna's does not.
    await row(petr, 'Vera').waitFor();
    await anna.getByRole('tab', { name: 'Mine' }).click();
    await anna.locator('.rows').waitFor();
    await expect.poll(() => row(anna, 'Vera').count()).toBe(0);
    await row(petr, 'Vera').click();
    await expect.poll(() => owner(petr)).toBe('Yours');
    expect(await petr.getByRole('textbox', { name: 'Reply' }).isEnabled()).toBe(true);
    await petr.screenshot({ path: `${artifacts}/actions-3-transferred.png` });
    await visitor.page.context().close();
  });

  it('lets an admin transfer another agent’s conversation to a team: it waits again, in Waiting', async () => {
    const petr = consoles.petr!.page;
    const olga = consoles.olga!.page;
    const visitor = await handedOff('Walt');
    await open(petr, 'Waiting', 'Walt');
    await petr.getByRole('button', { name: 'Take', exact: true }).click();
    await expect.poll(() => owner(petr)).toBe('Yours');

    await open(olga, 'Open', 'Walt');
    await expect.poll(() => owner(olga)).toBe('With Petr');
    const transfer = olga.getByRole('button', { name: 'Transfer', exact: true });
    await transfer.click();
    const menu = olga.getByRole('dialog', { name: 'Transfer' });
    await menu.getByRole('menuitem').first().waitFor();
    // Neither Olga herself nor Petr, who has it.
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['Anna']);
    await menu.getByPlaceholder('Team id').fill('billing');
    await menu.getByPlaceholder('Team id').press('Enter');
    await expect.poll(() => owner(olga)).toBe('Waiting for an agent');
    expect(await olga.locator('.pane-title').textContent()).toContain('team billing');

    await olga.getByRole('tab', { name: 'Waiting' }).click();
    await row(olga, 'Walt').waitFor();
    await petr.getByRole('tab', { name: 'Mine' }).click();
    await expect.poll(() => row(petr, 'Walt').count()).toBe(0);
    await petr.getByRole('tab', { name: 'Waiting' }).click();
    await row(petr, 'Walt').waitFor();
    await olga.screenshot({ path: `${artifacts}/actions-4-to-team.png` });
    await visitor.page.context().close();
  });

  it('offers canned replies for "/" at the start of a message; Enter puts the text in, which is sent to the visitor', async () => {
    const anna = consoles.anna!.page;
    const visitor = await handedOff('Rosa');
    await open(anna, 'Waiting', 'Rosa');
    await anna.getByRole('button', { name: 'Take', exact: true }).click();
    await expect.poll(() => owner(anna)).toBe('Yours');
    const reply = anna.getByRole('textbox', { name: 'Reply' });
    const list = anna.getByRole('listbox', { name: 'Canned replies' });
    const shortcuts = () => list.locator('.canned-shortcut').allTextContents();

    await reply.fill('/');
    await list.waitFor();
    expect(await shortcuts()).toEqual(['/greeting', '/refund']);
    await reply.press('ArrowDown');
    expect(await list.getByRole('option', { selected: true }).locator('.canned-shortcut').textContent()).toBe('/refund');
    await reply.press('Escape');
    await list.waitFor({ state: 'detached' });
    // A click picks too.
    await reply.fill('/gr');
    await list.getByRole('option').click();
    await expect.poll(() => reply.inputValue()).toBe('Hello, how can I help you today?');
    // Not at the start: no list.
    await reply.fill('see /ref');
    expect(await list.count()).toBe(0);

    await reply.fill('');
    await reply.type('/ref');
    await list.waitFor();
    expect(await shortcuts()).toEqual(['/refund']);
    expect(await list.getByRole('option', { selected: true }).locator('.canned-text').textContent()).toBe(refund);
    await anna.screenshot({ path: `${artifacts}/actions-5-canned.png` });
    await reply.press('Enter');
    await expect.poll(() => reply.inputValue()).toBe(refund);
    expect(await list.count()).toBe(0);
    await reply.press('Enter');
    await visitor.waitFor(refund);
    await anna.locator('.timeline .msg-agent', { hasText: refund }).waitFor();
    expect(await reply.inputValue()).toBe('');
    await visitor.page.context().close();
    for (const c of Object.values(consoles)) expect(c.problems).toEqual([]);
  });

  it('reads the canned replies again when a composer opens after the list could not be read', async () => {
    const { page, problems } = await consoleAs(browser, hub.url!, { email: people.olga.email, password });
    await page.route('**/api/canned-replies', (route) => route.abort());
    const failed = page.waitForEvent('requestfailed', (r) => r.url().endsWith('/api/canned-replies'));
    await open(page, 'Open', 'Rosa');
    await failed;
    await page.getByRole('checkbox', { name: 'Internal note' }).check();
    await page.getByRole('textbox', { name: 'Internal note' }).fill('/');
    const list = page.getByRole('listbox', { name: 'Canned replies' });
    expect(await list.count()).toBe(0);
    await page.unroute('**/api/canned-replies');
    await open(page, 'Open', 'Walt');
    await page.getByRole('checkbox', { name: 'Internal note' }).check();
    await page.getByRole('textbox', { name: 'Internal note' }).fill('/');
    await list.waitFor();
    expect(await list.locator('.canned-shortcut').allTextContents()).toEqual(['/greeting', '/refund']);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('asks an agent with a second factor for the code from their app, and signs them in with it', async () => {
    const boris = { email: 'boris@shop.example', password };
    await addAgent({ workspace: 'shop', ...boris, displayName: 'Boris', role: 'agent', actor: 'test' });
    const { secret } = (await setSecondFactor({ workspace: 'shop', email: boris.email, on: true, actor: 'test' }))!;

    const page = await (await browser.newContext()).newPage();
    const problems = watchProblems(page);
    await page.goto(`${hub.url}/console`);
    const code = page.getByLabel('Code from your authenticator app');
    expect(await code.count()).toBe(0);
    await page.getByLabel('E-mail').fill(boris.email);
    await page.getByLabel('Password').fill(boris.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await code.waitFor();
    expect(await code.evaluate((el) => [el.getAttribute('autocomplete'), el.getAttribute('inputmode')])).toEqual(['one-time-code', 'numeric']);
    expect(await page.locator('.inbox').count()).toBe(0);
    await page.screenshot({ path: `${artifacts}/actions-6-code.png` });

    // A wrong code is refused; the right one signs in.
    const right = currentTotp(secret);
    await code.fill(right === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('wrong e-mail, password or code');
    await code.fill(currentTotp(secret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.inbox').waitFor();
    expect(await page.locator('.me').textContent()).toBe('Boris');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
