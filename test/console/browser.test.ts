import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import type { Hub } from '../../core/hub.js';
import { Message } from '../../core/store/message.js';
import { cleanup, eventually, type TestEnv } from '../helpers/hub.js';
import { freePort, startWidgetHub, widgetEnv } from '../widget/helpers.js';
import { xssPayloads } from '../widget/xss-payloads.js';
import { chromiumOptions, consoleAs, visitorAs, type Flags } from './helpers.js';

// The agent's console and a visitor's widget side by side, each in a browser context of its own,
// against one hub running the demo shop's flow.
const artifacts = 'test-artifacts/console';
const anna = { email: 'anna@shop.example', password: 'correct horse battery staple' };
let env: TestEnv;
let hub: Hub;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const port = await freePort();
  env = widgetEnv({ port, flows: 'shop', account: { prechat: { enabled: true, fields: [{ name: 'name', label: 'Your name' }] } } });
  hub = await startWidgetHub(env);
  await addAgent({ workspace: 'shop', ...anna, displayName: 'Anna', role: 'agent', actor: 'test' });
  browser = await chromium.launch(chromiumOptions);
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  if (env) await cleanup(env);
});

describe('the console in Chromium', () => {
  it('shows a handoff live, takes it, answers as the agent with the bot silent, notes, and hands back to resume the flow', async () => {
    const { page: agent, problems } = await consoleAs(browser, hub.url!, anna);
    // Time to first render: from navigation to the inbox's first list on screen.
    await agent.goto(`${hub.url}/console/waiting`);
    await expect.poll(() => agent.evaluate(() => performance.getEntriesByName('console:inbox-painted').length)).toBe(1);
    const painted = await agent.evaluate(() => performance.getEntriesByName('console:inbox-painted')[0]!.startTime);
    console.log(`console: the inbox first painted ${painted.toFixed(0)} ms after navigation`);
    await agent.evaluate(() => void ((globalThis as unknown as Flags).__sameDocument = true));
    await agent.screenshot({ path: `${artifacts}/1-empty-waiting.png` });

    const visitor = await visitorAs(browser, hub.url!, 'Eva');
    await visitor.say('hi');
    await visitor.waitFor("Hi Eva! I'm the Demo Shop assistant.");
    await visitor.widget.getByRole('button', { name: 'Talk to a human' }).click();
    await visitor.waitFor('I am passing you to a colleague');
    // Anna's console beats, so she is online: the visitor sees their place in line, not the offline form.
    await visitor.widget.locator('.sb-queue', { hasText: 'You are 1st in line.' }).waitFor({ timeout: 5_000 });
    expect(await visitor.widget.locator('.sb-extra form').count()).toBe(0);
    expect(await agent.getByRole('combobox', { name: 'Your status' }).inputValue()).toBe('online');

    // Within a second of the handoff, without a reload.
    const row = agent.locator('.rows .row', { hasText: 'Eva' });
    const handedOff = Date.now();
    await row.waitFor({ timeout: 1_000 });
    console.log(`console: the handoff showed in Waiting ${Date.now() - handedOff} ms after the visitor saw it`);
    expect(await agent.evaluate(() => (globalThis as unknown as Flags).__sameDocument)).toBe(true);
    expect(await row.locator('.channel-icon path').count()).toBe(1);
    await expect.poll(() => row.locator('.row-time').textContent()).toMatch(/^waiting /);
    await agent.screenshot({ path: `${artifacts}/2-waiting.png` });

    await row.click();
    const timeline = agent.locator('.timeline');
    await timeline.locator('.msg-contact', { hasText: 'hi' }).first().waitFor();
    const take = agent.getByRole('button', { name: 'Take', exact: true });
    expect(await take.isEnabled()).toBe(true);
    expect(await agent.getByRole('textbox', { name: 'Reply' }).isDisabled()).toBe(true);
    expect(await agent.getByRole('button', { name: 'Reopen' }).isDisabled()).toBe(true);
    await take.click();
    await expect.poll(() => agent.locator('.owner').textContent()).toBe('Yours');
    expect(await take.isDisabled()).toBe(true);
    await visitor.waitFor('Anna joined the chat.');
    await expect.poll(() => visitor.widget.locator('.sb-queue').isHidden()).toBe(true);
    // Everyone sees who is there: Anna online, holding one conversation.
    await agent.locator('.colleagues-menu > summary').click();
    const me = agent.locator('.colleague', { hasText: 'Anna' });
    await expect.poll(() => me.locator('.state').textContent()).toBe('Online');
    await expect.poll(() => me.locator('.load').textContent()).toMatch(/^1\//);
    await agent.screenshot({ path: `${artifacts}/2b-colleagues.png` });
    await agent.locator('.colleagues-menu > summary').click();

    // Typing, both ways: the agent's shows the widget's dots (and not "typing…" on her own console),
    // the visitor's shows "typing…" under the console's timeline.
    const dots = visitor.widget.locator('.sb-typing');
    expect(await dots.isHidden()).toBe(true);
    const reply = agent.getByRole('textbox', { name: 'Reply' });
    await reply.type('Hi');
    await dots.waitFor({ state: 'visible', timeout: 5_000 });
    await new Promise((r) => setTimeout(r, 200));
    // (Eva may still show as typing from her last message: the line stays 5 s.)
    expect(await agent.locator('.typing-line', { hasText: 'Anna' }).count()).toBe(0);
    const visitorInput = visitor.widget.getByRole('textbox', { name: 'Write a message…' });
    // The widget tells the hub at most once in 3 s: keep typing until it has.
    await expect
      .poll(
        async () => {
          await visitorInput.type('w');
          return agent
            .locator('.typing-line')
            .textContent({ timeout: 100 })
            .catch(() => null);
        },
        { timeout: 8_000, interval: 400 },
      )
      .toBe('Eva is typing…');
    await visitorInput.fill('');

    // Enter sends; Shift+Enter is a new line.
    await reply.fill('Hi Eva, Anna here.');
    await reply.press('Enter');
    await reply.type('How can I help?');
    await reply.press('Shift+Enter');
    await reply.type('Ask me anything.');
    await reply.press('Enter');
    await visitor.waitFor('Hi Eva, Anna here.');
    await visitor.waitFor('Ask me anything.');
    expect(await visitor.widget.locator('.sb-name').last().textContent()).toBe('Anna');
    await timeline.locator('.msg-agent', { hasText: 'Ask me anything.' }).waitFor();
    expect(await timeline.locator('.msg-agent .msg-text').last().textContent()).toBe('How can I help?\nAsk me anything.');
    expect(await timeline.locator('.msg-agent .msg-who').last().textContent()).toBe('Anna');
    expect(await timeline.locator('.msg-agent .msg-state').last().textContent()).toMatch(/^(Sending|Sent|Delivered)$/);

    // The visitor answers; the bot stays silent, and the console shows it live.
    await visitor.say('thanks, where is my parcel?');
    await timeline.locator('.msg-contact', { hasText: 'where is my parcel' }).waitFor();
    const texts = await visitor.texts();
    expect(texts.slice(texts.indexOf('Anna joined the chat.') + 1)).toEqual([
      'Hi Eva, Anna here.',
      'How can I help?\nAsk me anything.',
      'thanks, where is my parcel?',
    ]);
    const joined = await Message.findOne({ workspace: 'shop', sender: 'system', text: 'Anna joined the chat.' }).lean();
    expect(await Message.countDocuments({ workspace: 'shop', sender: 'bot', order: { $gt: joined!.order }, status: { $ne: 'dropped' } })).toBe(0);

    // Sides: the contact on the left, the bot and the agent on the right, system lines centred.
    const box = async (selector: string) => (await timeline.locator(selector).first().boundingBox())!;
    const pane = (await timeline.boundingBox())!;
    const [contact, bot, mine, system] = [await box('.msg-contact'), await box('.msg-bot'), await box('.msg-agent'), await box('.msg-system')];
    expect(contact.x - pane.x).toBeLessThan(40);
    for (const right of [bot, mine]) expect(pane.x + pane.width - (right.x + right.width)).toBeLessThan(40);
    expect(Math.abs(system.x + system.width / 2 - (pane.x + pane.width / 2))).toBeLessThan(20);

    // An internal note: yellow, marked, never sent.
    await agent.getByRole('checkbox', { name: 'Internal note' }).check();
    const note = agent.getByRole('textbox', { name: 'Internal note' });
    await note.fill('Parcel 7781 is stuck at the depot.');
    await note.press('Enter');
    const shown = timeline.locator('.note', { hasText: 'Parcel 7781' });
    await shown.waitFor();
    expect(await shown.locator('.note-label').textContent()).toMatch(/^Internal note/);
    // The page's own computed style (the project's tsconfig has no DOM library).
    const background = await shown.evaluate(
      (el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor,
    );
    expect(background).toBe('rgb(255, 246, 199)');
    await agent.getByRole('checkbox', { name: 'Internal note' }).uncheck();
    await agent.screenshot({ path: `${artifacts}/3-conversation.png` });

    // Hand back with "resume": the bot answers at the node after the handoff.
    await agent.getByRole('button', { name: 'Hand back to bot' }).click();
    await agent.getByRole('menuitem', { name: 'Resume where it handed off' }).click();
    await visitor.waitFor('Anything else?');
    const after = await visitor.texts();
    expect(after.at(-1)).toBe('Anything else?');
    expect(after.join('\n')).not.toContain('Parcel 7781');
    await expect.poll(() => agent.locator('.owner').textContent()).toBe('With the bot');
    expect(await reply.isDisabled()).toBe(true);
    expect(await agent.getByRole('button', { name: 'Hand back to bot' }).isDisabled()).toBe(true);
    await timeline.locator('.msg-bot', { hasText: 'Anything else?' }).waitFor();
    await agent.screenshot({ path: `${artifacts}/4-handed-back.png` });
    await visitor.page.screenshot({ path: `${artifacts}/5-visitor.png` });

    // Close, then reopen: back to Waiting.
    await agent.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => agent.locator('.owner').textContent()).toBe('Closed');
    expect(await agent.getByRole('button', { name: 'Take', exact: true }).isDisabled()).toBe(true);
    await agent.getByRole('button', { name: 'Reopen' }).click();
    await expect.poll(() => agent.locator('.owner').textContent()).toBe('Waiting for an agent');
    await row.waitFor();
    expect(problems).toEqual([]);
    await agent.context().close();
    await visitor.page.context().close();
  });

  it('runs no script from a visitor’s name and messages or from an agent’s notes', async () => {
    const visitor = await visitorAs(browser, hub.url!, xssPayloads[0]!);
    for (const p of xssPayloads) await visitor.say(p);
    await eventually(
      async () => (await visitor.texts()).filter((t) => t === 'Please pick one of the options.').length >= xssPayloads.length - 1,
      20_000,
      'the bot’s replies',
    );

    const { page: agent, problems } = await consoleAs(browser, hub.url!, anna);
    const dialogs: string[] = [];
    agent.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
    await agent.getByRole('tab', { name: 'Open' }).click();
    const row = agent.locator('.rows .row', { hasText: xssPayloads[0]! });
    await row.waitFor();
    await row.click();
    const timeline = agent.locator('.timeline');
    await eventually(async () => (await timeline.locator('.msg-contact .msg-text').allTextContents()).length >= xssPayloads.length, 10_000, 'the history');
    expect(await timeline.locator('.msg-contact .msg-text').allTextContents()).toEqual(expect.arrayContaining(xssPayloads));
    expect(await agent.locator('.pane-title h2').textContent()).toBe(xssPayloads[0]);

    await agent.getByRole('checkbox', { name: 'Internal note' }).check();
    const note = agent.getByRole('textbox', { name: 'Internal note' });
    for (const p of xssPayloads) {
      await note.fill(p);
      await note.press('Enter');
      // Cleared once the hub stored it: a round trip, which a loaded machine can take a while over.
      await expect.poll(() => note.inputValue(), { timeout: 10_000 }).toBe('');
    }
    await eventually(async () => (await timeline.locator('.note .note-text').allTextContents()).length === xssPayloads.length, 10_000, 'the notes');
    expect(await timeline.locator('.note .note-text').allTextContents()).toEqual(xssPayloads);

    await agent.reload();
    await timeline.locator('.note').first().waitFor();
    expect(await agent.evaluate(() => (globalThis as unknown as Flags).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(
      await agent
        .locator('.timeline img, .timeline script, .timeline svg, .timeline iframe, .contact img, .contact svg, .contact iframe, .rows img, .rows iframe, #xss')
        .count(),
    ).toBe(0);
    await agent.screenshot({ path: `${artifacts}/6-xss.png` });
    expect(problems).toEqual([]);
    await agent.context().close();
    await visitor.page.context().close();
  });
});
