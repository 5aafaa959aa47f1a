import type { Browser, Page } from 'playwright-core';

/** Chromium as the browser tests run it (Debian's, headless). */
export const chromiumOptions = {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
};

/**
 * Problems a page reports: uncaught errors and console errors (a CSP violation is one). Refused
 * requests are left out: the app asks `/console/api/me` before sign-in and expects a 401.
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => void (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource') && problems.push(msg.text())));
  return problems;
}

/** An agent signed in to the console through its sign-in page, in a browser context of their own. */
export async function consoleAs(
  browser: Browser,
  hubUrl: string,
  credentials: { email: string; password: string },
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${hubUrl}/console`);
  await page.getByLabel('E-mail').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.inbox').waitFor();
  return { page, problems };
}

/** The widget on the demo page, opened, its notice accepted and its pre-chat form sent with `name`; resolves to the page and its message box. */
export async function visitorAs(browser: Browser, hubUrl: string, name: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${hubUrl}/demo`);
  const widget = page.locator('#switchboard-widget');
  await widget.locator('.sb-bubble').click();
  await widget.getByRole('button', { name: 'Continue' }).click();
  const prechat = widget.locator('form[data-form="prechat"]');
  await prechat.getByLabel('Your name').fill(name);
  await prechat.getByRole('button', { name: 'Send' }).click();
  const input = widget.getByRole('textbox', { name: 'Write a message…' });
  const say = async (text: string) => {
    await input.fill(text);
    await input.press('Enter');
  };
  /** The chat's texts, in order (the visitor's and the hub's). */
  const texts = () => widget.locator('.sb-msg .sb-text').allTextContents();
  const waitFor = (text: string) => widget.locator('.sb-text', { hasText: text }).last().waitFor({ timeout: 20_000 });
  return { page, widget, say, texts, waitFor };
}

/** The window's test flags, typed here (the project's tsconfig has no DOM library). */
export type Flags = { __xss?: number; __sameDocument?: boolean };
