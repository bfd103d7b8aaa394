/**
 * The dashboard in headless Chromium against Vigil's whole local stack (test/helpers/browser.ts):
 * real PostgreSQL, the REST API, the WebSocket gateway and push, and the check pipeline running a
 * real HTTP check against a server this test breaks and mends. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { statusOfRank } from '#core/status.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { eventually, launchBrowser, logIn, startVigil, type Vigil } from '../helpers/browser.ts';
import { loadXml, onlySite } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { closeServer, listenOnLoopback } from '../helpers/loopback.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const EMAIL = 'olivia@example.com';
const PASSWORD = 'correct horse battery staple';

/** The website the check watches: healthy until the test says otherwise. */
const target = { failing: false };
const website = createServer((_request, response) => {
  if (target.failing) response.writeHead(503, { 'content-type': 'text/plain' }).end('down for the test');
  else response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
});

let vigil: Vigil;
let browser: Browser;
let page: Page;
let siteId: string;
let checkId: string;
let webGroupId: string;
/** Paths of every API request the page made, in order. */
const apiRequests: string[] = [];
/** Uncaught errors and console errors of the page (a Content-Security-Policy violation is one). */
const pageErrors: string[] = [];

const { sql } = await withTestDatabase();

describe('the dashboard, live', () => {
  before(async () => {
    const port = await listenOnLoopback(website);
    const site = onlySite(loadXml({
      'site.xml': `
        <group name="everything"/>
        <group name="web" groups="everything"/>
        <command name="home-page" engine="http"><parameter name="port">${port}</parameter></command>
        <host name="www" address="127.0.0.1" groups="web">
          <service name="home" groups="web">
            <check-command command="home-page"/>
            <schedule every="1h"/>
            <state failed-after="1" recovers-after="1"/>
          </service>
        </host>`,
    }, 'browser-test'));
    ({ siteId } = await applySiteConfiguration(sql, site, 'browser test'));
    checkId = (await sql<{ id: string }[]>`select id from "check" where site_id = ${siteId} and name = 'home'`)[0]!.id;
    webGroupId = (await sql<{ id: string }[]>`select id from check_group where site_id = ${siteId} and name = 'web'`)[0]!.id;

    vigil = await startVigil(sql);
    await vigil.addUser(EMAIL, PASSWORD, siteId, 'operator');
    // A first result, so the check is OK when the page opens.
    await vigil.runtime.runNow(siteId, checkId);
    await eventually(async () => (await statusOf(checkId)) === 'OK');

    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    page.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith('/api/')) apiRequests.push(pathname);
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  // The suite's own hook runs before the file's, which close the test database: the runtime stops first.
  after(async () => {
    await browser?.close();
    await vigil?.close();
    await closeServer(website);
  });

  const row = (list: string, id = checkId) => page.locator(`[data-list="${list}"] li[data-check-id="${id}"]`);
  const isCheckList = (path: string) => /^\/api\/v1\/sites\/[^/]+\/checks$/.test(path);

  test('logging in shows the site with its groups and checks, served under a strict CSP', async () => {
    const response = await page.goto(vigil.url);
    const policy = response!.headers()['content-security-policy'] ?? '';
    assert.match(policy, /script-src 'self'/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);

    await logIn(page, vigil.url, EMAIL, PASSWORD);
    await row('healthy').waitFor();
    assert.equal(await row('healthy').getAttribute('data-status'), 'OK');
    assert.match(await row('healthy').innerText(), /www \/ home/);
    assert.match(await page.locator(`.group-link[data-group-id="${webGroupId}"]`).innerText(), /web\s+OK/);
  });

  test('the skip link takes the keyboard to the content and keeps the place', async () => {
    const before = page.url();
    await page.locator('.skip-link').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement.id'), 'main');
    assert.equal(page.url(), before);
  });

  test('a check flips to CRITICAL live when its target breaks: no reload, no polling', async () => {
    // Page code runs in the browser; as strings, it needs no DOM types here.
    await page.evaluate("window.vigilTestMarker = 'the same page'");
    const requestsBefore = apiRequests.length;

    target.failing = true;
    await vigil.runtime.runNow(siteId, checkId);

    await row('unhandled').waitFor();
    assert.equal(await row('unhandled').getAttribute('data-status'), 'CRITICAL');
    assert.match(await row('unhandled').innerText(), /503/);
    await page.locator(`.group-link[data-group-id="${webGroupId}"] .badge`, { hasText: 'CRITICAL' }).waitFor();
    assert.equal(await page.evaluate('window.vigilTestMarker'), 'the same page', 'the page was not reloaded');
    assert.deepEqual(apiRequests.slice(requestsBefore), [], 'the change came over the WebSocket, without any HTTP request');
  });

  test('acknowledging the problem moves it to the handled list', async () => {
    await row('unhandled').locator('a').click();
    const detail = page.locator('.detail');
    await detail.getByRole('heading', { name: 'www / home' }).waitFor();
    await detail.getByRole('button', { name: 'Acknowledge' }).click();
    await detail.getByLabel('Comment').fill('looking into it');
    await detail.locator('form').getByRole('button', { name: 'Acknowledge' }).click();

    await row('handled').waitFor();
    assert.equal(await row('unhandled').count(), 0);
    assert.match(await row('handled').innerText(), /acknowledged/);
    // The roll-up counts it as handled (pushed by the acknowledge action): the group is no longer CRITICAL.
    await page.locator(`.group-link[data-group-id="${webGroupId}"] .group-counts`, { hasText: '1 handled' }).waitFor();
    await page.locator('.empty', { hasText: 'No unhandled problems.' }).waitFor();
    await page.locator('.flash').first().waitFor({ state: 'detached' });
    await page.screenshot({ path: new URL('dashboard.png', ARTIFACTS).pathname, fullPage: true });
  });

  test('after its connection drops, the page reconnects, subscribes again and reloads its lists', async () => {
    const [connectionId] = await vigil.connectionIds();
    const listLoadsBefore = apiRequests.filter(isCheckList).length;
    await vigil.dropConnection(connectionId!);
    await page.locator('.connection[data-state="reconnecting"]').waitFor();
    await page.locator('.connection[data-state="live"]').waitFor();
    await eventually(async () => apiRequests.filter(isCheckList).length > listLoadsBefore);

    // Still live: a change after the reconnect arrives by itself.
    target.failing = false;
    await vigil.runtime.runNow(siteId, checkId);
    await row('healthy').waitFor();
    assert.equal(await row('healthy').getAttribute('data-status'), 'OK');
  });

  test('at phone width the page fits the screen, detail first, and its actions are reachable', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.equal(overflow, 0, 'nothing is wider than the screen');
    const detailBox = await page.locator('.detail').boundingBox();
    const listsBox = await page.locator('.check-lists').boundingBox();
    assert.ok(detailBox && listsBox && detailBox.y < listsBox.y, 'the open check comes first');
    const runNow = await page.getByRole('button', { name: 'Run now' }).boundingBox();
    assert.ok(runNow && runNow.x >= 0 && runNow.x + runNow.width <= 375, 'Run now is on screen');
    await page.screenshot({ path: new URL('dashboard-phone.png', ARTIFACTS).pathname, fullPage: true });
  });

  test('nothing the page did raised an error or broke the Content-Security-Policy', () => {
    assert.deepEqual(pageErrors, []);
  });

  test('someone new signs up, creates a site and lands on it', async () => {
    const context = await browser.newContext();
    try {
      const newcomer = await context.newPage();
      newcomer.setDefaultTimeout(10_000);
      await newcomer.goto(`${vigil.url}#/signup`);
      await newcomer.getByLabel('Email').fill('nadia@example.com');
      await newcomer.getByLabel('Password').fill('another long passphrase');
      await newcomer.getByRole('button', { name: 'Sign up' }).click();
      await newcomer.getByText('You have no role in any site yet').waitFor();
      await newcomer.getByLabel('Name').fill('nadia-lab');
      await newcomer.getByRole('button', { name: 'Create' }).click();
      await newcomer.getByRole('heading', { name: /nadia-lab/ }).waitFor();
      await newcomer.locator('.connection[data-state="live"]').waitFor();
      await newcomer.getByText('This site has no groups.').waitFor();
    } finally {
      await context.close();
    }
  });
});

async function statusOf(id: string): Promise<string | undefined> {
  const [state] = await sql<{ status: number }[]>`select status from check_state where site_id = ${siteId} and check_id = ${id}`;
  return state && statusOfRank(state.status);
}
