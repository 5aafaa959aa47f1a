import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { agentHub, agentPassword } from '../helpers/agent-hub.js';
import { chromiumOptions, consoleAs } from './helpers.js';

// An admin reads the handoff figures in the console: the team's queue and waits in a table,
// conversations per agent as a chart; an agent has no such page.

const artifacts = 'test-artifacts/console';
let browser: Browser;
const chat = agentHub({
  secret: 'figures-page-secret-01234',
  agents: [
    { email: 'anna@shop.example', displayName: 'Anna', role: 'agent' },
    { email: 'olga@shop.example', displayName: 'Olga', role: 'admin' },
  ],
  env: {
    flows: { shop: { path: join(import.meta.dirname, '../agents/routing-flows'), start: 'support' } },
    workspaces: { shop: { teams: [{ id: 'support', name: 'Support' }] } },
  },
});
beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch(chromiumOptions);
});
afterAll(async () => {
  await browser?.close();
});

it('shows an admin the queue, the waits and conversations per agent; an agent has no link to it', async () => {
  await chat.write('page-1', 'hello');
  await chat.until('page-1', 1);
  const { page, problems } = await consoleAs(browser, chat.url(), { email: 'olga@shop.example', password: agentPassword });
  await page.getByRole('link', { name: 'Figures' }).click();
  const row = page.locator('.figures tr[data-team="support"]');
  await row.waitFor();
  // Waiting now: 1, nobody answered yet.
  expect(await row.locator('td').allTextContents()).toEqual(['–', '–', '0', '0', '1', expect.stringMatching(/^\d+ s$/)]);
  expect(await page.locator('svg.chart text.chart-label').allTextContents()).toEqual(['Anna', 'Olga']);
  await page.screenshot({ path: `${artifacts}/figures.png` });
  expect(problems).toEqual([]);

  const agent = await consoleAs(browser, chat.url(), { email: 'anna@shop.example', password: agentPassword });
  expect(await agent.page.getByRole('link', { name: 'Figures' }).count()).toBe(0);
});
