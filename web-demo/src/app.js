// SPDX-License-Identifier: MIT
// The demo feed. It imports localrank by its package name, as a site would.
import { createPersonalizer } from 'localrank';

const PAGE = 20;
const $ = (sel) => /** @type {HTMLElement} */ (document.querySelector(sel));

const data = await (await fetch('data/posts.json')).json();
/** @type {Map<string, any>} */
const byId = new Map(data.posts.map((p) => [p.id, p]));
const stored = localStorage.getItem('localrank-demo:consent');
let consent = stored === null ? null : stored === 'yes';

const personalizer = await createPersonalizer({
  storage: 'memory',
  seed: 7,
  consent: { personalization: consent === true },
});

let ranked = data.posts.map((p, i) => ({ id: p.id, originalIndex: i, reasons: [] }));

function itemsForRanking() {
  return data.posts.map((p) => ({ id: p.id, topics: p.topics, creatorId: p.creatorId, publishedAt: p.publishedAt, serverScore: p.serverScore }));
}

function render() {
  const feed = $('#feed');
  feed.replaceChildren(...ranked.slice(0, PAGE).map((r) => postElement(byId.get(r.id))));
}

/** @param {any} post */
function postElement(post) {
  const li = document.createElement('li');
  li.className = 'post';
  li.dataset.id = post.id;
  const img = document.createElement('img');
  img.src = post.thumb;
  img.alt = '';
  const body = document.createElement('div');
  const h = document.createElement('h2');
  h.textContent = post.title;
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = `${post.creatorName} · ${post.snippet}`;
  const chips = document.createElement('div');
  chips.className = 'chips';
  for (const t of Object.keys(post.topics)) {
    const s = document.createElement('span');
    s.textContent = t;
    chips.append(s);
  }
  const actions = document.createElement('div');
  actions.className = 'actions';
  actions.append(
    actionButton('Open', 'open', post, 'click'),
    actionButton('Like', 'like', post, 'like'),
  );
  body.append(h, meta, chips, actions);
  li.append(img, body);
  return li;
}

function actionButton(label, name, post, type) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset.action = name;
  b.setAttribute('aria-label', `${label}: ${post.title}`);
  b.addEventListener('click', () => {
    personalizer.record({ type, itemId: post.id, topics: post.topics, creatorId: post.creatorId });
    if (name === 'like') b.setAttribute('aria-pressed', 'true');
    $('#status').textContent = consent ? `Noted: ${type} on “${post.title}”. Refresh to see the feed adapt.` : 'Personalization is off: nothing was recorded.';
  });
  return b;
}

function refresh() {
  ranked = personalizer.rerank(itemsForRanking(), { strength: 1 });
  render();
  document.body.dataset.reranks = String(Number(document.body.dataset.reranks ?? 0) + 1);
}

function showConsent() {
  const box = $('#consent');
  box.hidden = false;
  const answer = async (yes) => {
    consent = yes;
    localStorage.setItem('localrank-demo:consent', yes ? 'yes' : 'no');
    box.hidden = true;
    // Consent is read at creation in this first demo: reload the personalizer state.
    location.reload();
  };
  $('#consent-yes').addEventListener('click', () => answer(true));
  $('#consent-no').addEventListener('click', () => answer(false));
}

$('#refresh').addEventListener('click', refresh);
if (consent === null) showConsent();
refresh();
document.body.dataset.ready = 'true';
