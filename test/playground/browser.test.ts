import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSONAS } from '../../src/playground/sample.js';
import { freePort, REPO_ROOT } from '../support/bot-process.js';
import { type PlaygroundProcess, startPlaygroundProcess } from '../support/playground-process.js';

/**
 * The playground in headless Chromium, as a newcomer uses it: request a wildcard purge as the engineer,
 * approve it as on-call, watch the card and its thread, deny another through the reason modal, and open
 * the App Home. Screenshots land in test-output/playground/, and the completed card in
 * docs/playground-card.png, the README's picture.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-output/playground');
const README_CARD = join(REPO_ROOT, 'docs/playground-card.png');

describe('the local playground in a browser', () => {
  let playground: PlaygroundProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const cwd = mkdtempSync(join(tmpdir(), 'invalidator-playground-'));
    playground = await startPlaygroundProcess({
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        PORT: String(await freePort()),
        INVALIDATOR_PLAYGROUND_COMPLETE_SECONDS: '2',
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(20_000);
    await page.goto(playground.url);
  });

  afterAll(async () => {
    await browser?.close();
    const code = await playground?.stop();
    if (code !== 0) console.log(playground?.output());
  });

  const be = async (name: string) => {
    const persona = PERSONAS.find((p) => p.name === name);
    if (!persona) throw new Error(`no persona ${name}`);
    await page.selectOption('#person', persona.id);
  };
  const type = async (command: string) => {
    await page.fill('#command', command);
    await page.press('#command', 'Enter');
  };
  const card = (requestId: string): Locator =>
    page.locator('article.message[data-target="message"]', { hasText: `Invalidation ${requestId}` });
  const cards = () => page.locator('article.message[data-target="message"] .block.header');
  /** Types a request and waits for its new card; returns the request id. */
  const request = async (command: string) => {
    const before = await cards().count();
    await type(command);
    await expect.poll(() => cards().count()).toBe(before + 1);
    const header = (await cards().last().textContent()) ?? '';
    const requestId = /INV-[0-9A-Z]{10}/.exec(header)?.[0];
    if (!requestId) throw new Error(`no request id in ${header}`);
    return requestId;
  };

  it('shows the help text in an ephemeral reply', async () => {
    await be('Alice');
    await type('/invalidate help');
    const reply = page.locator('article.ephemeral', { hasText: '/invalidate help' }).last();
    await expect.poll(() => reply.textContent()).toContain('Only visible to you');
    expect(await reply.textContent()).toContain('/invalidate <distribution> <path>');
    expect(await reply.textContent()).toContain('web');
  });

  it('takes a wildcard request to approval, completion and the reply in the thread', async () => {
    await be('Alice');
    const requestId = await request('/invalidate web /assets/* --reason release 4.2');
    const requested = card(requestId);
    await expect.poll(() => requested.locator('button', { hasText: 'Approve' }).count()).toBe(1);
    expect(await requested.locator('button.primary', { hasText: 'Approve' }).count()).toBe(1);
    expect(await requested.locator('button.danger', { hasText: 'Deny' }).count()).toBe(1);
    // The card renders the bot's mrkdwn: a mention, bold field titles, and code.
    expect(await requested.locator('.mention', { hasText: '@Alice' }).count()).toBeGreaterThan(0);
    expect(await requested.locator('b', { hasText: 'Requested by' }).count()).toBe(1);
    expect(await requested.locator('code', { hasText: 'web' }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, '1-requested.png'), fullPage: true });

    // The requester may not approve their own request: an ephemeral says so and nothing changes.
    await requested.locator('button', { hasText: 'Approve' }).click();
    await expect.poll(() => page.locator('article.ephemeral').last().textContent()).toMatch(/own request/i);

    await be('Omar');
    await card(requestId).locator('button', { hasText: 'Approve' }).click();
    await expect.poll(() => card(requestId).textContent()).toContain('Approved by @Omar');
    expect(await card(requestId).locator('button', { hasText: 'Approve' }).count()).toBe(0);
    const reply = card(requestId).locator('.thread .reply');
    await expect.poll(() => reply.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await reply.first().textContent()).toContain('@Alice');
    expect(await card(requestId).locator('.block.header').textContent()).toContain('✅');

    // Underneath: the CreateInvalidation call, with the request id as CallerReference, and the audit trail.
    const panel = page.locator('#activity');
    await expect.poll(() => panel.textContent()).toContain('completed');
    expect(
      await panel.locator('.entry.cloudfront', { hasText: 'CreateInvalidation' }).textContent(),
    ).toContain(requestId);
    for (const step of ['requested', 'approved', 'submitted', 'completed']) {
      expect(await panel.locator('.entry.audit', { hasText: step }).count()).toBeGreaterThan(0);
    }
    await expect.poll(() => page.locator('#usage').textContent()).toContain('1 of 1,000 free paths');
    expect(await page.locator('#usage').textContent()).toContain('Cost so far $0.00 · projected $0.00');
    await page.screenshot({ path: join(SHOTS, '2-approved-and-completed.png'), fullPage: true });
    // The README's picture of a card, redrawn with every run so that it shows the card as it is now.
    await card(requestId).screenshot({ path: README_CARD });
  });

  it('refuses a paste larger than Slack accepts in words, and keeps it in the composer', async () => {
    await be('Alice');
    const paths = Array.from({ length: 3_000 }, (_, i) => `/assets/build-2026-12-07/chunk-${i}.js`);
    const pasted = `/invalidate web ${paths.join(' ')}`;
    expect(pasted.length).toBeGreaterThan(40_000);
    await type(pasted);
    const notice = page.locator('#notice');
    await expect.poll(() => notice.textContent()).toContain('Slack takes at most 40,000');
    expect(await notice.textContent()).toContain(
      `That is ${pasted.length.toLocaleString('en-US')} characters`,
    );
    expect(await notice.textContent()).toContain('Nothing was submitted');
    expect(await page.inputValue('#command')).toBe(pasted);
    await page.fill('#command', '');
  });

  it('denies a request with a reason typed into the modal', async () => {
    await be('Alice');
    const requestId = await request('/invalidate web /images/*');
    await be('Priya');
    await card(requestId).locator('button', { hasText: 'Deny' }).click();
    const modal = page.locator('#modal');
    await modal.waitFor({ state: 'visible' });
    expect(await modal.locator('header').textContent()).toBe('Deny invalidation');
    await page.screenshot({ path: join(SHOTS, '3-deny-modal.png'), fullPage: true });
    await modal.locator('textarea, input').first().fill('Origin is under load, purge after 18:00');
    await modal.locator('button[type="submit"]').click();
    await modal.waitFor({ state: 'hidden' });
    await expect.poll(() => card(requestId).textContent()).toContain('Denied by @Priya');
    expect(await card(requestId).textContent()).toContain('Origin is under load, purge after 18:00');
    expect(await card(requestId).locator('button', { hasText: 'Deny' }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, '4-denied.png'), fullPage: true });
  });

  it('keeps a long request short on its card and opens every path from it', async () => {
    await be('Alice');
    const paths = Array.from({ length: 27 }, (_, i) => `/release/4.2/page-${i}.html`);
    const requestId = await request(`/invalidate docs ${paths.join(' ')}`);
    const requested = card(requestId);
    await expect.poll(() => requested.textContent()).toContain('…and 22 more paths');
    expect(await requested.textContent()).not.toContain(paths[5]);
    await be('Sam');
    await requested.locator('button', { hasText: 'Show all paths' }).click();
    const modal = page.locator('#modal');
    await modal.waitFor({ state: 'visible' });
    expect(await modal.locator('header').textContent()).toBe('All paths');
    await expect.poll(() => modal.locator('code').allTextContents()).toEqual(['docs', ...paths]);
    await page.screenshot({ path: join(SHOTS, '5-all-paths.png'), fullPage: true });
    await modal.locator('button', { hasText: 'Close' }).click();
    await modal.waitFor({ state: 'hidden' });
  });

  it('asks for confirmation before approving a purge of the whole distribution', async () => {
    await be('Alice');
    const requestId = await request('/invalidate web /*');
    await be('Lee');
    await card(requestId).locator('button', { hasText: 'Approve' }).click();
    const dialog = page.locator('#dialog');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.textContent()).toContain('everything');
    await page.screenshot({ path: join(SHOTS, '5-confirm.png'), fullPage: true });
    await dialog.locator('button', { hasText: 'Back' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await card(requestId).locator('button', { hasText: 'Approve' }).count()).toBe(1);
  });

  it('lets an approver deny a waiting request from the App Home tab', async () => {
    await be('Alice');
    const requestId = await request('/invalidate web /fonts/*');
    await be('Omar');
    await page.click('[data-tab="home"]');
    const home = page.locator('#home .home-view');
    await expect.poll(() => home.textContent()).toContain('Waiting for you');
    expect(await home.textContent()).toContain(requestId);
    const deny = home.locator(`button[data-block-id="home_decision:${requestId}"]`, { hasText: 'Deny' });
    await deny.click();
    const modal = page.locator('#modal');
    await modal.waitFor({ state: 'visible' });
    await modal.locator('textarea, input').first().fill('Fonts are versioned, no purge needed');
    await modal.locator('button[type="submit"]').click();
    await modal.waitFor({ state: 'hidden' });
    // Home is drawn again without it, and the card in the channel says who denied it and why.
    await expect.poll(() => home.textContent()).not.toContain(requestId);
    await page.click('[data-tab="channel"]');
    await expect.poll(() => card(requestId).textContent()).toContain('Denied by @Omar');
  });

  it('opens the App Home tab with the bot’s own view', async () => {
    await be('Alice');
    await page.click('[data-tab="home"]');
    const home = page.locator('#home .home-view');
    await home.waitFor({ state: 'visible' });
    await expect.poll(() => home.textContent()).toContain('Invalidator');
    await page.screenshot({ path: join(SHOTS, '6-home.png'), fullPage: true });
    await page.click('[data-tab="channel"]');
  });
});
