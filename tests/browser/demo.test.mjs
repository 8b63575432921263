// SPDX-License-Identifier: MIT
// The demo feed in real Chromium: consent, interactions recorded through
// localrank, reranks only on request, "why" popovers from the real reasons,
// the "not personalized" mode and the feed settings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { openDemo, newPage, load, answerConsent, feedIds, refresh, screenshot, SERVER_ORDER, POSTS, showView } from './demo-helpers.mjs';

/** @type {Awaited<ReturnType<typeof openDemo>>} */
let demo;
before(async () => { demo = await openDemo(); });
after(async () => { await demo?.close(); });

/** The main topic of a post (highest weight). @param {string} id */
const mainTopic = (id) => Object.entries(POSTS.get(id).topics).sort((a, b) => b[1] - a[1])[0][0];
const card = (/** @type {any} */ page, /** @type {string} */ id) => page.locator(`#feed > li[data-id="${id}"]`);
const countTopic = (/** @type {string[]} */ ids, /** @type {string} */ topic) => ids.filter((id) => topic in POSTS.get(id).topics).length;

/** A personalized first page where the person liked and saved posts about one topic. */
async function personalized() {
  const t = await newPage(demo);
  await load(t.page, demo.base);
  await answerConsent(t.page, { personalization: true });
  const before = (await feedIds(t.page)).slice(0, 20);
  const target = before[15];
  const topic = mainTopic(target);
  await card(t.page, target).locator('[data-action="like"]').click();
  await card(t.page, target).locator('[data-action="save"]').click();
  for (const id of before.filter((id) => id !== target && mainTopic(id) === topic)) {
    await card(t.page, id).locator('[data-action="like"]').click();
  }
  return { ...t, before, target, topic };
}

test('consent, then likes and saves rerank the feed towards that topic on refresh, not while reading', async () => {
  const { page, problems, close, before, target, topic } = await personalized();
  assert.equal(before.length, 20, 'a page has 20 posts');
  assert.deepEqual((await feedIds(page)).slice(0, 20), before, 'interactions do not reorder what the person is reading');
  await refresh(page);
  const after = (await feedIds(page)).slice(0, 20);
  assert.notDeepEqual(after, before, 'the refresh reranked the feed');
  // The liked and saved post itself was opened: it is not served again at the top.
  assert.ok(!after.slice(0, 10).includes(target), `${target} (already opened) is back in the top 10 at ${after.indexOf(target)}`);
  assert.ok(countTopic(after.slice(0, 10), topic) > countTopic(before.slice(0, 10), topic),
    `more ${topic} posts in the top 10 (${countTopic(before.slice(0, 10), topic)} → ${countTopic(after.slice(0, 10), topic)})`);
  assert.match(await page.textContent('#mode'), /Personalized on this device/);
  assert.deepEqual(problems, []);
  await close();
});

test('"Why am I seeing this?" shows exactly the item\'s reasons, in plain words; "Not personalized" shows the server\'s order with one click, and back', async () => {
  const { page, problems, close, topic } = await personalized();
  await refresh(page);
  const ids = await feedIds(page);
  const id = ids.find((x) => mainTopic(x) === topic) ?? ids[0];
  const post = POSTS.get(id);
  const why = card(page, id).locator('[data-action="why"]');
  await why.click();
  const pop = page.getByRole('dialog', { name: 'Why am I seeing this?' });
  await pop.waitFor();
  assert.equal(await why.getAttribute('aria-expanded'), 'true');
  assert.match(await pop.textContent(), new RegExp(post.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  const rows = await pop.locator('li.reason').evaluateAll((els) => els.map((e) => ({
    kind: e.getAttribute('data-kind'), label: e.getAttribute('data-label'), contribution: Number(e.getAttribute('data-contribution')),
    text: e.querySelector('.reason-text')?.textContent ?? '', shown: e.querySelector('.reason-value')?.textContent ?? '',
  })));
  const reasons = (await page.evaluate(() => /** @type {any} */ (window).localrankDemo.shown()))
    .find((/** @type {any} */ r) => r.id === id).reasons;
  const key = (/** @type {any} */ r) => `${r.kind}|${r.label}|${r.contribution}`;
  assert.deepEqual(rows.map(key).sort(), reasons.map(key).sort(), 'one row per reason, same kind, label and contribution');
  for (const r of rows) {
    assert.equal(r.shown.replace('−', '-').replace('+', ''), r.contribution.toFixed(2), `the number shown for ${r.kind}`);
    if (r.kind === 'topic') assert.match(r.text, new RegExp(r.label), 'a topic reason names the topic');
    if (r.kind === 'creator') assert.ok(r.text.includes(post.creatorName), 'a creator reason names the creator, not the id');
  }
  assert.ok(rows.some((r) => r.kind === 'topic' && r.label === topic && r.contribution > 0), `a positive ${topic} reason`);
  await screenshot(page, 'demo-feed.png');
  await page.keyboard.press('Escape');
  await pop.waitFor({ state: 'hidden' });
  assert.equal(await why.getAttribute('aria-expanded'), 'false');
  // Focus moves back on the popover's (queued) toggle event.
  await why.evaluate((b) => new Promise((done, fail) => {
    const t0 = performance.now();
    (function poll() {
      if (b === document.activeElement) done(undefined);
      else if (performance.now() - t0 > 5000) fail(new Error('focus did not return to the button'));
      else requestAnimationFrame(poll);
    })();
  }));

  // One click: the server's order.
  const personal = (await feedIds(page)).slice(0, 20);
  assert.notDeepEqual(personal, SERVER_ORDER.slice(0, 20));
  const off = page.getByRole('button', { name: 'Not personalized' });
  await off.click();
  assert.equal(await off.getAttribute('aria-pressed'), 'true');
  assert.deepEqual((await feedIds(page)).slice(0, 20), SERVER_ORDER.slice(0, 20), 'exactly the server order');
  assert.match(await page.textContent('#mode'), /Not personalized/);
  await card(page, SERVER_ORDER[0]).locator('[data-action="why"]').click();
  const kinds = await page.locator('#why li.reason').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
  assert.deepEqual(kinds, ['notPersonalized']);
  await page.keyboard.press('Escape');
  await off.click();
  assert.equal(await off.getAttribute('aria-pressed'), 'false');
  assert.notDeepEqual((await feedIds(page)).slice(0, 20), SERVER_ORDER.slice(0, 20), 'personalized again');
  assert.deepEqual(problems, []);
  await close();
});

test('more posts: the next page is reranked and appended, the page read so far keeps its order', async () => {
  const { page, problems, close } = await newPage(demo);
  await load(page, demo.base);
  await answerConsent(page, { personalization: true });
  const first = (await feedIds(page)).slice(0, 20);
  await page.getByRole('button', { name: 'Show more posts' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#feed > li').length >= 40);
  // Infinite scroll: reaching the end asks for the next page too.
  await page.locator('#feed-end').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('#feed > li').length >= 60);
  const all = await feedIds(page);
  assert.deepEqual(all.slice(0, 20), first);
  assert.equal(new Set(all).size, all.length, 'no post twice');
  assert.deepEqual(problems, []);
  await close();
});

test('hide, not interested, follow, share, save and dwell are recorded through localrank', async () => {
  const { page, problems, close } = await personalized();
  await refresh(page);
  const ids = await feedIds(page);
  // Dwell: the first card stays on screen for a while (IntersectionObserver measures it).
  await page.waitForTimeout(1300);
  await card(page, ids[1]).locator('[data-action="follow"]').click();
  await card(page, ids[1]).locator('[data-action="share"]').click();
  await card(page, ids[2]).locator('[data-action="hide"]').click();
  assert.equal(await card(page, ids[2]).getAttribute('data-state'), 'removed');
  const notTopic = mainTopic(ids[3]);
  await card(page, ids[3]).locator('[data-action="menu"]').click();
  await page.getByRole('button', { name: `Not interested in ${notTopic}` }).click();
  assert.equal(await card(page, ids[3]).getAttribute('data-state'), 'removed');
  await refresh(page);
  const after = await feedIds(page);
  assert.ok(!after.includes(ids[2]) && !after.includes(ids[3]), 'removed posts stay out of the feed');

  await showView(page, 'Your data');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export my profile (JSON)' }).click()]);
  const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(exported.schema, 'localrank.profile');
  const types = new Set(exported.events.map((/** @type {any} */ e) => e.type));
  for (const t of ['impression', 'dwell', 'like', 'save', 'follow', 'share', 'hide', 'notInterested']) {
    assert.ok(types.has(t), `a ${t} event was recorded (got ${[...types].join(', ')})`);
  }
  assert.deepEqual(problems, []);
  await close();
});

test('feed settings work from the keyboard and rerank at once', async () => {
  const { page, problems, close } = await personalized();
  await refresh(page);
  const reranks = Number(await page.getAttribute('body', 'data-reranks'));
  await page.getByLabel('Right now I’m').selectOption('commuting');
  await page.waitForFunction((k) => Number(document.body.dataset.reranks) > k, reranks);
  assert.match(await page.textContent('#mode'), /commuting/);
  // Strength to 0 with the keyboard: the server order.
  await page.getByLabel('Personalization strength').focus();
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('#strength-out')?.textContent === '0%');
  assert.deepEqual((await feedIds(page)).slice(0, 20), SERVER_ORDER.slice(0, 20));
  await page.keyboard.press('End');
  assert.notDeepEqual((await feedIds(page)).slice(0, 20), SERVER_ORDER.slice(0, 20));
  // Every control is reachable with Tab.
  const reached = new Set();
  await page.locator('a.skip').focus();
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('data-action') || ''));
  }
  for (const id of ['not-personalized', 'strength', 'diversity', 'context', 'refresh']) assert.ok(reached.has(id), `Tab reaches #${id}`);
  assert.deepEqual(problems, []);
  await close();
});

test('"show more / never" per topic and creator act from the next refresh and can be undone under Your data', async () => {
  const { page, problems, close } = await personalized();
  await refresh(page);
  const ids = (await feedIds(page)).slice(0, 20);
  const victim = ids[4];
  const creatorId = POSTS.get(victim).creatorId;
  const creatorName = POSTS.get(victim).creatorName;
  await card(page, victim).locator('[data-action="menu"]').click();
  await page.getByRole('button', { name: `Never show ${creatorName}` }).click();
  for (const id of ids.filter((x) => POSTS.get(x).creatorId === creatorId)) {
    assert.equal(await card(page, id).getAttribute('data-state'), 'removed', `${id} by ${creatorName} left the page`);
  }
  // "Show more" for a topic absent from the top 10.
  const topTen = new Set(ids.slice(0, 10).flatMap((x) => Object.keys(POSTS.get(x).topics)));
  const riser = ids.slice(10).find((x) => !topTen.has(mainTopic(x)) && POSTS.get(x).creatorId !== creatorId);
  assert.ok(riser, 'a post whose topic is not in the top 10');
  const topic = mainTopic(riser);
  assert.deepEqual(await feedIds(page), ids.filter((x) => POSTS.get(x).creatorId !== creatorId), 'no reorder before a refresh');
  await card(page, riser).locator('[data-action="menu"]').click();
  await page.getByRole('button', { name: `Show more about ${topic}` }).click();
  await refresh(page);
  const after = (await feedIds(page)).slice(0, 20);
  assert.ok(!after.some((x) => POSTS.get(x).creatorId === creatorId), `no post by ${creatorName} after "never"`);
  assert.ok(countTopic(after.slice(0, 10), topic) > 0, `"show more" brought ${topic} into the top 10`);
  const reasons = (await page.evaluate(() => /** @type {any} */ (window).localrankDemo.shown()))
    .find((/** @type {any} */ r) => mainTopic(r.id) === topic)?.reasons ?? [];
  assert.ok(reasons.some((/** @type {any} */ r) => r.kind === 'adjustment' && r.label === topic && r.contribution > 0), 'an adjustment reason explains it');

  await showView(page, 'Your data');
  const prefs = page.locator('#preferences');
  assert.match(await prefs.textContent(), new RegExp(`Never show: ${creatorName}`));
  assert.match(await prefs.textContent(), new RegExp(`Show more: ${topic}`));
  await prefs.getByRole('button', { name: `Undo “Never show” for ${creatorName}` }).click();
  assert.doesNotMatch(await prefs.textContent(), new RegExp(creatorName));
  await showView(page, 'Feed');
  await refresh(page);
  assert.ok((await feedIds(page)).includes(victim), `${victim} by ${creatorName} is back after the undo`);
  assert.deepEqual(problems, []);
  await close();
});

test('pulling the feed down at the top refreshes it (touch)', async () => {
  const t = await newPage(demo);
  await load(t.page, demo.base);
  await answerConsent(t.page, { personalization: true });
  const reranks = Number(await t.page.getAttribute('body', 'data-reranks'));
  await t.page.evaluate(() => {
    const list = /** @type {HTMLElement} */ (document.querySelector('#feed'));
    const at = (/** @type {number} */ y) => [new Touch({ identifier: 1, target: list, clientX: 400, clientY: y })];
    list.dispatchEvent(new TouchEvent('touchstart', { touches: at(200), bubbles: true }));
    list.dispatchEvent(new TouchEvent('touchmove', { touches: at(320), bubbles: true }));
    list.dispatchEvent(new TouchEvent('touchend', { touches: [], bubbles: true }));
  });
  assert.equal(Number(await t.page.getAttribute('body', 'data-reranks')), reranks + 1);
  assert.deepEqual(t.problems, []);
  await t.close();
});

test('context matters: what was liked while commuting is boosted by a context reason when commuting again', async () => {
  const t = await newPage(demo);
  const { page } = t;
  await load(page, demo.base);
  await answerConsent(page, { personalization: true });
  const context = page.getByLabel('Right now I’m');
  await context.selectOption('commuting');
  const commuteTopic = mainTopic((await feedIds(page))[2]);
  await page.getByRole('button', { name: 'Show more posts' }).click();
  for (const id of (await feedIds(page)).filter((x) => mainTopic(x) === commuteTopic).slice(0, 3)) {
    for (const action of ['like', 'share']) await card(page, id).locator(`[data-action="${action}"]`).click();
  }
  await context.selectOption('at-home');
  for (const id of (await feedIds(page)).filter((x) => !(commuteTopic in POSTS.get(x).topics)).slice(0, 6)) {
    await card(page, id).locator('[data-action="like"]').click();
  }
  await refresh(page);
  await context.selectOption('commuting');
  // Six interactions are little evidence against the site's order (docs/model.md): the commute topic's posts need
  // not reach the first page, so the test reads on until one is shown.
  const commuteShown = async () => (await page.evaluate(() => /** @type {any} */ (window).localrankDemo.shown()))
    .filter((/** @type {any} */ r) => commuteTopic in POSTS.get(r.id).topics);
  for (let more = 0; more < 3 && (await commuteShown()).length === 0; more++) {
    await page.getByRole('button', { name: 'Show more posts' }).click();
  }
  const shown = await page.evaluate(() => /** @type {any} */ (window).localrankDemo.shown());
  // The core names the context key it trusts most (here the time of day, shared by every event).
  const withContext = shown.find((/** @type {any} */ r) => commuteTopic in POSTS.get(r.id).topics &&
    r.reasons.some((/** @type {any} */ x) => x.kind === 'context' && x.contribution > 0));
  assert.ok(withContext, `a ${commuteTopic} post carries a positive context reason`);
  await card(page, withContext.id).locator('[data-action="why"]').click();
  const text = await page.locator('#why li.reason[data-kind="context"] .reason-text').first().textContent();
  assert.match(text, /^You often engage with posts like this (at|in|on|while) [a-z ]+$/, 'the context key in plain words');
  assert.deepEqual(t.problems, []);
  await t.close();
});
