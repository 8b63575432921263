// SPDX-License-Identifier: MIT
// The demo's privacy story in real Chromium: opt-in consent with "no" as easy
// as "yes", the profile as a chart, export / import / erase, and a network log
// that holds no raw behaviour.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { openDemo, newPage, load, answerConsent, feedIds, refresh, screenshot, seedPopulation, SERVER_ORDER, POSTS, DATA, showView, backdateClock, runSchedule } from './demo-helpers.mjs';

/** @type {Awaited<ReturnType<typeof openDemo>>} */
let demo;
/** @type {Promise<unknown>} the simulated population, sent while the first tests run */
let seeded;
/** Local DP is noisy per report: a population of thousands makes the insights readable. */
const POPULATION = 2000;
const SHARES = { cooking: 0.35, fitness: 0.2, travel: 0.12 };
before(async () => {
  demo = await openDemo();
  seeded = seedPopulation(demo.base, POPULATION, SHARES);
  seeded.catch(() => {}); // reported by the insights test
});
after(async () => { await demo?.close(); });

/** Everything the page may GET: its files, the feed, the population estimates, and where its relay is. */
const STATIC_GETS = new Set(['/', '/style.css', '/app.js', '/favicon.svg', '/data/posts.json',
  // The demo configures a taxonomy, so every visit loads the device module with reports (never the lean one too).
  '/localrank_core_reports.wasm', '/v1/config', '/v1/estimates', '/relay.json']);

/** The only body allowed to leave: an aggregate report, exactly these fields. */
const REPORT_FIELDS = ['config', 'data', 'day', 'epsilon', 'id', 'kind', 'mechanism', 'schema', 'version'];

/**
 * Checks one request body against the report schema: nothing but the fixed
 * fields, a day-granular date, hex noise; no item id, topic name, event or time.
 * @param {string} body @param {string[]} secrets
 */
function checkReportBody(text, secrets) {
  const r = JSON.parse(text);
  assert.deepEqual(Object.keys(r).sort(), REPORT_FIELDS, `only the report fields: ${text}`);
  // The id is 128 random bits (it may hold any run of digits): the other fields are checked without it.
  const { id, ...rest } = r;
  assert.match(id, /^[0-9a-f]{32}$/);
  const body = JSON.stringify(rest);
  assert.equal(r.schema, 'localrank.report');
  assert.match(r.day, /^\d{4}-\d{2}-\d{2}$/, 'a date, no finer than a day');
  assert.match(r.data, /^[0-9a-f]+$/, 'the payload is the perturbed bits, hex');
  assert.match(r.config, /^[0-9a-f]{14}$/);
  assert.ok([0, 1].includes(r.kind) && ['oue', 'olh'].includes(r.mechanism) && typeof r.epsilon === 'number');
  for (const s of [...secrets, ...DATA.topics, ...EVENT_NAMES]) assert.ok(!body.includes(s), `no ${s} in a report`);
  assert.ok(!/\d{10,}/.test(body), 'no timestamp');
}
const EVENT_NAMES = ['impression', 'dwell', 'like', 'share', 'save', 'follow', 'hide', 'notInterested', 'click'];
const card = (/** @type {any} */ page, /** @type {string} */ id) => page.locator(`#feed > li[data-id="${id}"]`);

/** Likes, saves and opens a few posts of the first page. @param {any} page */
async function interact(page) {
  const ids = await feedIds(page);
  for (const id of ids.slice(0, 6)) await card(page, id).locator('[data-action="like"]').click();
  await card(page, ids[6]).locator('[data-action="save"]').click();
  await card(page, ids[7]).locator('[data-action="share"]').click();
  await card(page, ids[8]).locator('[data-action="hide"]').click();
  await card(page, ids[9]).locator('button.title').click();
  await page.getByRole('button', { name: 'Back to the feed' }).click();
  return ids;
}

/** What this origin keeps in the browser: localStorage keys and IndexedDB databases with their record counts. @param {any} page */
function storedData(page) {
  return page.evaluate(async () => {
    const dbs = await indexedDB.databases();
    const records = [];
    const keys = [];
    for (const { name } of dbs) {
      if (!name) continue;
      const db = await new Promise((res, rej) => { const r = indexedDB.open(name); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
      for (const store of /** @type {IDBDatabase} */ (db).objectStoreNames) {
        const n = await new Promise((res) => { const r = /** @type {IDBDatabase} */ (db).transaction(store).objectStore(store).count(); r.onsuccess = () => res(r.result); });
        records.push(`${name}/${store}: ${n}`);
        const k = await new Promise((res) => { const r = /** @type {IDBDatabase} */ (db).transaction(store).objectStore(store).getAllKeys(); r.onsuccess = () => res(r.result); });
        keys.push(.../** @type {string[]} */ (k).map(String));
      }
      /** @type {IDBDatabase} */ (db).close();
    }
    return { localStorage: Object.keys(localStorage), indexedDB: dbs.map((d) => d.name), records, keys };
  });
}

test('the first visit asks per purpose, nothing on by default, and "no" weighs as much as "yes"', async () => {
  const { page, problems, close } = await newPage(demo);
  await load(page, demo.base);
  const dialog = page.getByRole('dialog', { name: 'Personalize this feed on your device?' });
  await dialog.waitFor();
  assert.equal(await dialog.getByLabel('Personalize my feed on this device').isChecked(), false);
  assert.equal(await dialog.getByLabel('Contribute to anonymous population statistics').isChecked(), false);
  const boxes = await Promise.all(['Reject all', 'Save my choices', 'Allow all'].map(async (name) => {
    const b = dialog.getByRole('button', { name });
    const box = await b.boundingBox();
    return { name, w: Math.round(box.width), h: Math.round(box.height), cls: await b.getAttribute('class') };
  }));
  assert.equal(new Set(boxes.map((b) => `${b.w}x${b.h}/${b.cls}`)).size, 1, `same size and style: ${JSON.stringify(boxes)}`);
  assert.deepEqual((await feedIds(page)).slice(0, 20), SERVER_ORDER.slice(0, 20), 'before an answer: the server order');
  await screenshot(page, 'demo-consent.png');
  await answerConsent(page, 'none');
  // Declined: the demo records through localrank, which keeps nothing and ranks in the server order.
  await interact(page);
  assert.match(await page.textContent('#status'), /Not recorded/);
  await refresh(page);
  assert.deepEqual((await feedIds(page)).slice(0, 20), SERVER_ORDER.filter((id) => id !== (SERVER_ORDER[8])).slice(0, 20));
  await showView(page, 'Your data');
  assert.match(await page.textContent('#profile-summary'), /personalization is off/);
  // Reload: the answer is remembered, the question is not asked again.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await dialog.isVisible(), false);
  assert.deepEqual(problems, []);
  await close();
});

test('the dashboard charts the profile; export, erase and import round-trip it; a bad file changes nothing', async () => {
  const { page, problems, close } = await newPage(demo);
  await load(page, demo.base);
  await answerConsent(page, { personalization: true });
  const ids = await interact(page);
  await showView(page, 'Your data');
  // The chart shows the 10 strongest topics; the main topic of each liked post is among them (a liked post's
  // secondary topic, with a smaller share of its weight, may rank below the topics of the saved, shared and opened
  // posts: which posts the first feed shows depends on the ranking).
  const mainTopic = (id) => Object.entries(POSTS.get(id).topics).sort((a, b) => b[1] - a[1])[0][0];
  const likedTopics = new Set(ids.slice(0, 6).map(mainTopic));
  const chart = page.locator('#profile-topics svg[role="img"]');
  const label = await chart.getAttribute('aria-label');
  for (const t of likedTopics) assert.ok(label.includes(t), `the topic chart shows ${t}: ${label}`);
  const creatorsLabel = await page.locator('#profile-creators svg[role="img"]').getAttribute('aria-label');
  assert.ok(creatorsLabel.includes(POSTS.get(ids[0]).creatorName), 'creators by name');
  // What the feed learnt from what it showed (the engagement-rate lift), in words.
  const engagement = await page.locator('#profile-engagement li[data-name]').evaluateAll((els) => els.map((e) => ({
    name: e.getAttribute('data-name'), lift: Number(e.getAttribute('data-lift')), text: e.textContent ?? '' })));
  assert.ok(engagement.length > 0, 'the engagement list has entries after likes and a hide');
  for (const e of engagement) {
    assert.match(e.text, /^.+: shown \d+ times? lately; you open these (more often than|less often than|about as often as) your average \(×\d+\.\d\d\)\.$/, e.text);
    assert.ok(e.text.startsWith(`${e.name}:`));
  }
  assert.ok(engagement.some((e) => e.lift > 1), `after six likes some topic is opened more often than average: ${JSON.stringify(engagement)}`);
  // The learnt blend in words: the likes were choices among ranked posts.
  assert.match(await page.textContent('#profile-model'), /^For you \(learnt from \d+ choices?\), .+ counts most/);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export my profile (JSON)' }).click()]);
  assert.equal(download.suggestedFilename(), 'localrank-profile.json');
  const file = join(tmpdir(), `localrank-export-${process.pid}.json`);
  await download.saveAs(file);
  const exported = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(exported.schema, 'localrank.profile');
  const text = JSON.stringify(exported);
  for (const id of ids) assert.ok(!text.includes(id), `the export holds no item id (${id})`);

  await page.getByRole('button', { name: 'Erase everything' }).click();
  await page.getByRole('dialog', { name: 'Erase everything?' }).getByRole('button', { name: 'Erase' }).click();
  await answerConsent(page, { personalization: true });
  assert.match(await page.textContent('#profile-summary'), /Nothing yet/);
  assert.match(await page.textContent('#profile-model'), /^Nothing learnt from your choices yet/);

  const bad = join(tmpdir(), `localrank-bad-${process.pid}.json`);
  await writeFile(bad, '{"schema":"localrank.profile","version":999}');
  await page.setInputFiles('#import', file);
  await page.waitForFunction(() => /^Imported/.test(document.querySelector('#import-result')?.textContent ?? ''));
  assert.ok((await chart.getAttribute('aria-label')).includes([...likedTopics][0]), 'the profile is back');
  const before = await chart.getAttribute('aria-label');
  await page.setInputFiles('#import', bad);
  await page.waitForFunction(() => /^Not imported/.test(document.querySelector('#import-result')?.textContent ?? ''));
  assert.match(await page.textContent('#import-result'), /Not imported: CORRUPT_PROFILE: .*Your profile is unchanged/);
  assert.equal(await chart.getAttribute('aria-label'), before, 'a bad file changes nothing');
  assert.deepEqual(problems, []);
  await close();
});

test('erase leaves no localStorage and no IndexedDB data (but the report memo, noise only), and the next step is the first-visit question', async () => {
  const { page, problems, close } = await newPage(demo);
  await load(page, demo.base);
  await answerConsent(page, 'all');
  await interact(page);
  await refresh(page);
  await showView(page, 'Your data');
  await page.waitForSelector('body[data-saved]:not([data-saved="0"])');
  const during = await storedData(page);
  assert.ok(during.records.some((r) => !r.endsWith(': 0')), `the profile was stored in IndexedDB: ${JSON.stringify(during)}`);
  await page.getByRole('button', { name: 'Erase everything' }).click();
  await page.getByRole('dialog', { name: 'Erase everything?' }).getByRole('button', { name: 'Erase' }).click();
  await page.getByRole('dialog', { name: 'Personalize this feed on your device?' }).waitFor();
  const afterErase = await storedData(page);
  assert.deepEqual(afterErase.localStorage, []);
  // Only the report memo (noise drawn for every value, nothing of the person) and the privacy ledger (dates and
  // epsilon of reports sent; erasing it would buy more reports) stay: docs/privacy.md.
  assert.deepEqual(afterErase.keys.filter((k) => k !== 'localrank.privacy-ledger' && k !== 'localrank.report-memo'), [], `no IndexedDB records but the memo and the ledger: ${JSON.stringify(afterErase)}`);
  await page.reload();
  await page.getByRole('dialog', { name: 'Personalize this feed on your device?' }).waitFor();
  assert.deepEqual(problems, []);
  await close();
});

test('the network log of a session holds no raw behaviour', async () => {
  const { page, problems, close } = await newPage(demo);
  /** @type {{method: string, url: string, body: Buffer|null, type: string|undefined}[]} */
  const log = [];
  page.on('request', (r) => log.push({ method: r.method(), url: r.url(), body: r.postDataBuffer(), type: r.headers()['content-type'] }));
  await backdateClock(page);
  await load(page, demo.base);
  await answerConsent(page, 'all');
  const ids = await interact(page);
  await page.waitForTimeout(1200); // dwell on what is on screen
  await refresh(page);
  await page.getByRole('button', { name: 'Show more posts' }).click();
  await page.getByLabel('Right now I’m').selectOption('commuting');
  // The report leaves by itself once the page's clock reaches the schedule's time.
  await runSchedule(page, 1);
  await showView(page, 'Your data');
  await showView(page, 'Population insights');
  await page.waitForFunction(() => document.querySelector('#insights-summary')?.textContent !== '');
  await showView(page, 'Your data');

  const origin = new URL(demo.base).origin;
  const relay = new URL(/** @type {any} */ (demo.server).demo.relay.url).origin;
  /** @type {Buffer[]} */ const reports = [];
  const secrets = [...ids, ...DATA.creators.map((/** @type {any} */ c) => c.id)];
  for (const r of log) {
    if (r.url.startsWith('blob:')) continue; // the profile export, made in the page
    const u = new URL(r.url);
    if (u.origin === relay) {
      // The relay: its key configuration, and the reports, encrypted for the collector.
      assert.ok(r.method === 'GET' ? u.pathname === '/ohttp-keys' : u.pathname === '/' && r.type === 'message/ohttp-req', `${r.method} ${r.url}`);
      if (r.method === 'POST') reports.push(/** @type {Buffer} */ (r.body));
      continue;
    }
    assert.equal(u.origin, origin, `only the demo's own server and its relay are contacted: ${r.url}`);
    assert.equal(u.search, '', `no query strings: ${r.url}`);
    for (const s of secrets) assert.ok(!r.url.includes(s), `no item or creator id in a URL: ${r.url}`);
    if (r.method === 'GET') {
      // The same fixed set of files for everyone: nothing fetched depends on what the person does
      // (images are inline, so not even the personalized order or the scroll depth shows).
      assert.ok(STATIC_GETS.has(u.pathname), `GET ${u.pathname} is one of the page's fixed resources`);
      assert.equal(r.body, null);
      continue;
    }
    assert.fail(`the page sends nothing else: ${r.method} ${r.url}`);
  }
  assert.equal(reports.length, 1, 'the scheduled report was sent, once');
  // The dashboard shows exactly what was sent (inside the encryption): nothing but a report.
  const shown = await page.textContent('#report-payload');
  checkReportBody(/** @type {string} */ (shown), secrets);
  const sent = JSON.parse(/** @type {string} */ (shown));
  for (const s of [sent.id, sent.data, ...secrets.slice(0, 8)]) assert.equal(reports[0].indexOf(s), -1, `the encrypted report holds no ${s} in the clear`);
  assert.ok(log.some((r) => r.url.endsWith('/data/posts.json')), 'the log did record the page\'s requests');
  assert.deepEqual(problems, []);
  await close();
});

test('the page is served under a strict CSP: no eval, no inline script or style', async () => {
  const { page, problems, close } = await newPage(demo);
  const res = await page.goto(demo.base);
  await page.waitForSelector('body[data-ready="true"]');
  const csp = res.headers()['content-security-policy'];
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['script-src'], ["'self'", "'wasm-unsafe-eval'"]);
  assert.deepEqual(directives['style-src'], ["'self'"]);
  assert.ok(!/unsafe-inline|'unsafe-eval'/.test(csp), csp);
  assert.equal(await page.locator('script:not([src]), style, [style]').count(), 0, 'no inline script or style in the page');
  assert.deepEqual(problems, []);
  await close();
});

test('the profile is kept in IndexedDB: a reload keeps what was learned and the personalized order', async () => {
  const { page, problems, close } = await newPage(demo);
  await load(page, demo.base);
  await answerConsent(page, { personalization: true });
  await interact(page);
  await showView(page, 'Your data');
  const chart = await page.locator('#profile-topics svg[role="img"]').getAttribute('aria-label');
  // Opening the dashboard saves, and says so.
  await page.waitForSelector('body[data-saved]:not([data-saved="0"])');
  assert.match(await page.textContent('#saved'), /Stored in this browser \(IndexedDB\)/);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.locator('#profile-topics svg[role="img"]').getAttribute('aria-label'), chart);
  await showView(page, 'Feed');
  assert.notDeepEqual((await feedIds(page)).slice(0, 20), SERVER_ORDER.slice(0, 20), 'still personalized after the reload');
  assert.deepEqual(problems, []);
  await close();
});

test('population insights chart the collector\'s estimates with 95% intervals; the dashboard shows the budget', async () => {
  await seeded;
  const { page, problems, close } = await newPage(demo);
  await backdateClock(page);
  await load(page, demo.base);
  await answerConsent(page, 'all');
  assert.equal(await page.getAttribute('body', 'data-reports'), null, 'nothing sent at load or on consent');
  await interact(page);
  await runSchedule(page, 1);
  await showView(page, 'Your data');
  assert.match(await page.textContent('#budget'), /^Privacy budget left: ε = 3 of 4 per 30 days \(3 reports of ε = 1\)\.$/);
  assert.equal(await page.locator('#budget-meter').evaluate((m) => /** @type {HTMLMeterElement} */ (m).value), 3);
  const payload = JSON.parse(await page.textContent('#report-payload'));
  assert.equal(payload.schema, 'localrank.report');
  await screenshot(page, 'demo-dashboard.png', { fullPage: true });

  await showView(page, 'Population insights');
  await page.waitForFunction(() => /Estimated from/.test(document.querySelector('#insights-summary')?.textContent ?? ''));
  const est = await (await fetch(new URL('v1/estimates', demo.base))).json();
  // Published in batches of 50: the population, and this browser's report once 49 others followed it.
  assert.ok(est.reports >= POPULATION, 'the population');
  assert.match(await page.textContent('#insights-summary'), new RegExp(`Estimated from ${est.reports} reports`));
  const topicsChart = page.locator('#insights-chart svg[role="img"]').first();
  const label = await topicsChart.getAttribute('aria-label');
  const order = label.replace(/^[^:]*: /, '').split(', ').map((x) => x.split(' ')[0]);
  assert.equal(order[0], 'cooking', `most popular first: ${label}`);
  for (const [topic, share] of Object.entries(SHARES)) {
    const e = est.topics.find((/** @type {any} */ t) => t.topic === topic);
    assert.ok(e.ci95[0] <= share * POPULATION && share * POPULATION <= e.ci95[1], `the interval of ${topic} holds its true count: ${JSON.stringify(e)}`);
  }
  // Every topic of the taxonomy but the sensitive one (politics): no estimate is published for it.
  const reportable = DATA.topics.filter((/** @type {string} */ t) => t !== 'politics');
  assert.equal(order.length, reportable.length, 'every reportable topic of the taxonomy');
  assert.ok(!order.includes('politics'), 'no estimate of a sensitive topic');
  assert.equal(await topicsChart.locator('path.whisker').count(), reportable.length, 'an interval per topic');
  // The chart shows the consistent shares: none negative, and the same as the collector's.
  assert.equal(await page.locator('#insights-chart rect.bar-neg').count(), 0, 'no negative bar');
  assert.ok(est.topics.some((/** @type {any} */ t) => t.share < 0), 'some unbiased share is negative, so the chart is not drawing those');
  const cooking = est.consistent.topics.find((/** @type {any} */ t) => t.topic === 'cooking');
  assert.match(label, new RegExp(`cooking ${(cooking.share * 100).toFixed(1)}%`));
  await screenshot(page, 'demo-insights.png', { fullPage: true });
  assert.deepEqual(problems, []);
  await close();
});
