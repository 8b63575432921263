// SPDX-License-Identifier: MIT
// The feed: pages of posts reranked on this device. The order changes only when
// the person asks for it (refresh, more posts, a settings change), never while
// they read; what they do is recorded through localrank as they do it.
import { h, $, announce, ago, openPopover } from './dom.js';
import { DwellTracker } from './dwell.js';
import { showWhy } from './why.js';

export const PAGE = 20;
/** Reader view: about 4 words a second. */
const MS_PER_WORD = 250;

/** @typedef {import('localrank').RankedItem} RankedItem */

export class Feed {
  /** @type {RankedItem[]} what is on the page, in order */
  shown = [];
  /** Number of reranks so far (tests and the status line read it). */
  reranks = 0;
  #engine;
  #controls;
  /** @type {Map<string, any>} */
  #posts;
  /** @type {any[]} */
  #serverOrder;
  /** @type {Map<string, any>} */
  #creators;
  /** @type {Record<string, string>} thumbnail data: URIs by key */
  #thumbs;
  /** Posts removed from this page view (hidden, not interested, never). */
  #removed = new Set();
  /** @type {Set<string>} */ #liked = new Set();
  /** @type {Set<string>} */ #saved = new Set();
  /** @type {Set<string>} */ #followed = new Set();
  #list = $('#feed');
  #dwell;
  #bootTime;
  #loading = false;

  /**
   * @param {{engine: import('./engine.js').Engine, controls: import('./controls.js').Controls, data: any}} deps
   */
  constructor({ engine, controls, data }) {
    this.#engine = engine;
    this.#controls = controls;
    this.#bootTime = Date.now();
    this.#serverOrder = data.posts.map((/** @type {any} */ p) => ({ ...p, publishedAt: this.#bootTime - p.ageMs }));
    this.#posts = new Map(this.#serverOrder.map((p) => [p.id, p]));
    this.#creators = new Map(data.creators.map((/** @type {any} */ c) => [c.id, c]));
    this.#thumbs = data.thumbs;
    this.#dwell = new DwellTracker({
      onImpression: (post) => this.#record('impression', post),
      onDwell: (post, dwellMs) => this.#record('dwell', post, { dwellMs, expectedMs: post.expectedMs }),
    });
    $('#refresh').addEventListener('click', () => { this.refresh(); announce('Feed refreshed for you.'); });
    $('#more').addEventListener('click', () => this.loadMore());
    this.#pullToRefresh();
    // Infinite scroll: reaching the end asks for more posts.
    new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && this.shown.length > 0) this.loadMore();
    }, { rootMargin: '400px 0px' }).observe($('#feed-end'));
  }

  /** Touch screens: pulling down at the top of the feed refreshes it. */
  #pullToRefresh() {
    const PULL_PX = 80;
    let startY = -1;
    const list = this.#list;
    list.addEventListener('touchstart', (e) => { startY = window.scrollY === 0 ? e.touches[0].clientY : -1; }, { passive: true });
    list.addEventListener('touchmove', (e) => {
      if (startY >= 0) document.body.classList.toggle('pulling', e.touches[0].clientY - startY > PULL_PX);
    }, { passive: true });
    list.addEventListener('touchend', () => {
      if (document.body.classList.contains('pulling')) {
        this.refresh();
        announce('Feed refreshed for you.');
      }
      document.body.classList.remove('pulling');
      startY = -1;
    });
  }

  /** @param {string} id */
  creatorName = (id) => this.#creators.get(id)?.name ?? id;

  /** The candidates the server sent, minus what the person removed, in the server's order. */
  #candidates(exclude = new Set()) {
    return this.#serverOrder
      .filter((p) => !this.#removed.has(p.id) && !exclude.has(p.id))
      .map((p) => ({ id: p.id, topics: p.topics, creatorId: p.creatorId, publishedAt: p.publishedAt, serverScore: p.serverScore }));
  }

  /** @param {any[]} items @returns {RankedItem[]} */
  #rank(items) {
    this.#dwell.flush(); // what was read so far counts in this rerank
    const ranked = this.#engine.rerank(items, this.#controls.options())
      .filter((r) => !r.reasons.some((x) => x.kind === 'never'));
    this.reranks++;
    document.body.dataset.reranks = String(this.reranks);
    return ranked;
  }

  /** Reranks everything and shows the first page from the top. */
  refresh() {
    this.shown = this.#rank(this.#candidates()).slice(0, PAGE);
    this.#dwell.clear();
    this.#list.replaceChildren(...this.shown.map((r) => this.#card(r)));
    this.#updateMode();
    $('#more').hidden = false;
    window.scrollTo({ top: 0 });
  }

  /** Appends the next page: the posts not shown yet, reranked now. */
  loadMore() {
    if (this.#loading) return;
    this.#loading = true;
    try {
      const next = this.#rank(this.#candidates(new Set(this.shown.map((r) => r.id)))).slice(0, PAGE);
      this.shown.push(...next);
      this.#list.append(...next.map((r) => this.#card(r)));
      if (next.length < PAGE) {
        $('#more').hidden = true;
        announce('You’re all caught up.');
      }
    } finally {
      this.#loading = false;
    }
  }

  #updateMode() {
    const badge = $('#mode');
    const c = this.#engine.consent;
    if (!c.personalization) badge.textContent = 'The site’s own order: personalization is not allowed (see Your data).';
    else if (this.#controls.options().strength === 0) badge.textContent = 'Not personalized: the site’s own order.';
    else badge.textContent = `Personalized on this device · ${this.#controls.describe()}`;
  }

  /**
   * Records one interaction through localrank. Returns how many events were kept
   * (0 when personalization is not allowed: the package drops them).
   * @param {import('localrank').EventType} type @param {any} post @param {Record<string, any>} [extra]
   */
  #record(type, post, extra = {}) {
    return this.#engine.record({
      type, itemId: post.id, topics: post.topics, creatorId: post.creatorId, context: this.#controls.context(), ...extra,
    });
  }

  /** @param {number} kept @param {string} text */
  #confirm(kept, text) {
    announce(kept > 0 ? text : 'Not recorded: personalization is off. You can allow it under “Your data”.');
  }

  /** @param {RankedItem} ranked */
  #card(ranked) {
    const post = this.#posts.get(ranked.id);
    const titleId = `t-${post.id}`;
    const topics = Object.keys(post.topics);
    const follow = this.#toggle(this.#followed.has(post.creatorId) ? 'Following' : 'Follow', this.#followed.has(post.creatorId),
      `${titleId}-by`, () => {
        if (this.#followed.has(post.creatorId)) return false;
        this.#followed.add(post.creatorId);
        for (const b of this.#list.querySelectorAll(`button[data-action="follow"][data-creator="${post.creatorId}"]`)) {
          b.setAttribute('aria-pressed', 'true');
          b.textContent = 'Following';
        }
        this.#confirm(this.#record('follow', post), `You follow ${post.creatorName}.`);
        return true;
      }, 'follow');
    follow.dataset.creator = post.creatorId;
    const li = h('li', { class: 'post', data: { id: post.id } },
      h('article', { 'aria-labelledby': titleId },
        h('header', { class: 'post-head' },
          h('img', { class: 'avatar', src: this.#creators.get(post.creatorId)?.avatar, alt: '', width: 40, height: 40 }),
          h('div', { class: 'byline' },
            h('span', { class: 'creator', id: `${titleId}-by`, text: post.creatorName }),
            h('span', { class: 'when', text: ago(post.publishedAt, Date.now()) })),
          follow),
        h('div', { class: 'post-main' },
          h('img', { class: 'thumb', src: this.#thumbs[post.thumb], alt: '', width: 160, height: 100 }),
          h('div', {},
            h('h2', { id: titleId },
              h('button', { type: 'button', class: 'title', data: { action: 'open' }, text: post.title, on: { click: () => this.#open(post) } })),
            h('p', { class: 'snippet', text: post.snippet }),
            h('ul', { class: 'chips', 'aria-label': 'Topics' }, ...topics.map((t) => h('li', { text: t }))))),
        h('div', { class: 'actions' },
          this.#toggle(this.#liked.has(post.id) ? 'Liked' : 'Like', this.#liked.has(post.id), titleId, () => {
            if (this.#liked.has(post.id)) return false;
            this.#liked.add(post.id);
            this.#confirm(this.#record('like', post), 'Liked. Refresh or scroll on to see the feed adapt.');
            return true;
          }, 'like', 'Liked'),
          this.#action('Share', 'share', titleId, () => this.#share(post)),
          this.#toggle(this.#saved.has(post.id) ? 'Saved' : 'Save', this.#saved.has(post.id), titleId, () => {
            if (this.#saved.has(post.id)) return false;
            this.#saved.add(post.id);
            this.#confirm(this.#record('save', post), 'Saved for later.');
            return true;
          }, 'save', 'Saved'),
          this.#action('Hide', 'hide', titleId, () => {
            const kept = this.#record('hide', post);
            this.#remove(post, 'Post hidden. You’ll see fewer posts like it after a refresh.');
            if (kept === 0) this.#confirm(0, '');
          }),
          this.#action('Why am I seeing this?', 'why', titleId, (b) => {
            const current = this.shown.find((r) => r.id === post.id) ?? ranked;
            showWhy(b, { post, ranked: current, creatorName: this.creatorName });
          }, { 'aria-haspopup': 'dialog', 'aria-controls': 'why', 'aria-expanded': 'false' }),
          this.#action('More…', 'menu', titleId, (b) => this.#menu(b, post),
            { 'aria-haspopup': 'dialog', 'aria-controls': 'post-menu', 'aria-expanded': 'false' }))));
    this.#dwell.observe(li, post);
    return li;
  }

  /**
   * @param {string} label @param {string} action @param {string} describedBy  id of the element that says which post
   * @param {(b: HTMLButtonElement) => void} onClick @param {Record<string, string>} [attrs]
   */
  #action(label, action, describedBy, onClick, attrs = {}) {
    // The name is the visible text (what voice users say); the post title describes the button.
    const b = h('button', { type: 'button', data: { action }, 'aria-describedby': describedBy, text: label, ...attrs });
    b.addEventListener('click', () => onClick(b));
    return b;
  }

  /**
   * A one-way toggle (Like, Save, Follow): the signal is recorded once.
   * @param {string} label @param {boolean} pressed @param {string} describedBy @param {() => boolean} onPress
   * @param {string} action @param {string} [pressedLabel]
   */
  #toggle(label, pressed, describedBy, onPress, action, pressedLabel) {
    const b = h('button', { type: 'button', data: { action }, 'aria-describedby': describedBy, 'aria-pressed': String(pressed), text: label });
    b.addEventListener('click', () => {
      if (onPress()) {
        b.setAttribute('aria-pressed', 'true');
        if (pressedLabel) b.textContent = pressedLabel;
      }
    });
    return b;
  }

  /** @param {any} post */
  async #share(post) {
    const kept = this.#record('share', post);
    const link = new URL(`#post/${post.id}`, location.href).href;
    let copied = false;
    try {
      await navigator.clipboard.writeText(link);
      copied = true;
    } catch { /* clipboard not permitted (e.g. headless): sharing still counts */ }
    this.#confirm(kept, copied ? 'Link copied. Shared posts count as a strong signal.' : 'Shared. Shared posts count as a strong signal.');
  }

  /**
   * Collapses a post's card. `forget`: it also stays out of later reranks (hide,
   * not interested); "never" choices are left to localrank, so undoing them works.
   * @param {any} post @param {string} message
   */
  #remove(post, message, forget = true) {
    if (forget) this.#removed.add(post.id);
    const li = this.#list.querySelector(`li[data-id="${post.id}"]`);
    if (!li || li.getAttribute('data-state') === 'removed') return;
    this.#dwell.unobserve(li);
    li.setAttribute('data-state', 'removed');
    const note = h('p', { class: 'removed-note', tabindex: '-1', text: message });
    li.replaceChildren(note);
    note.focus();
  }

  /** Reader view: opening a post is a click; the time spent reading is a dwell. @param {any} post */
  #open(post) {
    const kept = this.#record('click', post);
    const dialog = /** @type {HTMLDialogElement} */ ($('#reader'));
    const words = [post.snippet, ...post.body].join(' ').split(/\s+/).length;
    $('#reader-title').textContent = post.title;
    $('#reader-byline').textContent = `${post.creatorName} · ${ago(post.publishedAt, Date.now())}`;
    $('#reader-body').replaceChildren(...[post.snippet, ...post.body].map((t) => h('p', { text: t })));
    const opened = performance.now();
    this.#dwell.pause();
    dialog.addEventListener('close', () => {
      this.#dwell.resume();
      const dwellMs = Math.round(performance.now() - opened);
      if (dwellMs >= 1000) this.#record('dwell', post, { dwellMs, expectedMs: Math.max(5000, words * MS_PER_WORD) });
      /** @type {HTMLElement|null} */ (this.#list.querySelector(`li[data-id="${post.id}"] button.title`))?.focus();
    }, { once: true });
    dialog.showModal();
    if (kept === 0) this.#confirm(0, '');
  }

  /**
   * The per-post options: not interested, show more / less / never for its topic and creator.
   * @param {HTMLButtonElement} button @param {any} post
   */
  #menu(button, post) {
    const pop = $('#post-menu');
    const topic = Object.entries(post.topics).sort((a, b) => b[1] - a[1])[0][0];
    const who = post.creatorName;
    const item = (/** @type {string} */ text, /** @type {() => void} */ run, /** @type {string} */ action) =>
      h('li', {}, h('button', { type: 'button', class: 'menu-item', data: { action }, text,
        on: { click: () => { pop.hidePopover(); run(); } } }));
    const adjust = (/** @type {any} */ target, /** @type {'more'|'less'|'never'} */ preference, /** @type {string} */ name) => {
      if (!this.#engine.adjust({ ...target, preference })) {
        this.#confirm(0, '');
        return;
      }
      if (preference === 'never') {
        // Not a rerank: the matching posts just leave the page; the next rerank sinks them.
        for (const r of this.shown) {
          const p = this.#posts.get(r.id);
          if (target.topic ? target.topic in p.topics : p.creatorId === target.creatorId) {
            this.#remove(p, `You won’t see ${name} again. You can undo this under “Your data”.`, false);
          }
        }
      } else {
        announce(`Got it: ${preference} ${target.topic ? 'about' : 'from'} ${name} from the next refresh on.`);
      }
    };
    pop.replaceChildren(
      h('h2', { id: 'post-menu-title', text: 'Tune your feed' }),
      h('ul', { class: 'menu' },
        item(`Not interested in ${topic}`, () => {
          const kept = this.#engine.record({ type: 'notInterested', itemId: post.id, topics: { [topic]: 1 }, context: this.#controls.context() });
          this.#remove(post, `Noted: not interested in ${topic}.`);
          if (kept === 0) this.#confirm(0, '');
        }, 'not-interested'),
        item(`Show more about ${topic}`, () => adjust({ topic }, 'more', topic), 'topic-more'),
        item(`Show less about ${topic}`, () => adjust({ topic }, 'less', topic), 'topic-less'),
        item(`Never show ${topic}`, () => adjust({ topic }, 'never', topic), 'topic-never'),
        item(`Show more from ${who}`, () => adjust({ creatorId: post.creatorId }, 'more', who), 'creator-more'),
        item(`Show less from ${who}`, () => adjust({ creatorId: post.creatorId }, 'less', who), 'creator-less'),
        item(`Never show ${who}`, () => adjust({ creatorId: post.creatorId }, 'never', who), 'creator-never')),
    );
    pop.dataset.postId = post.id;
    openPopover(pop, button);
  }
}
