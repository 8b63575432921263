// SPDX-License-Identifier: MIT
// A seeded simulation of a feed population, used by scripts/evaluate.mjs.
// Users have latent topic interests, context-dependent moods and drifting
// tastes; a position-biased click model decides what they click. Every
// policy sees exactly the same users, candidates and random draws (common
// random numbers), so differences come from the ordering alone.
import { createPersonalizer } from 'localrank';
import { rng } from './prng.mjs';

const gamma = (r, shape) => {
  // Marsaglia-Tsang; shape < 1 boosted.
  if (shape < 1) return gamma(r, shape + 1) * Math.pow(r(), 1 / shape);
  const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x, v;
    do {
      const u1 = r(), u2 = r();
      x = Math.sqrt(-2 * Math.log(u1 + 1e-300)) * Math.cos(2 * Math.PI * u2);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = r();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
};
const dirichlet = (r, n, alpha) => {
  const v = Array.from({ length: n }, (_, i) => gamma(r, Array.isArray(alpha) ? alpha[i] : alpha));
  const s = v.reduce((a, b) => a + b, 0);
  return v.map((x) => x / s);
};
const normal = (r) => Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r());

const normalize = (v) => { const s = v.reduce((a, b) => a + b, 0); return v.map((x) => x / s); };

export const HOUR = 3600e3;
export const DAY = 24 * HOUR;
const T0 = 1700000000000;

/** The world: topics, creators, a catalog of items with a latent quality. */
export function makeWorld(seed, { topics = 12, creators = 240, items = 6000, days = 10 } = {}) {
  const r = rng(seed);
  const topicNames = Array.from({ length: topics }, (_, i) => `t${String(i).padStart(2, '0')}`);
  // Topics differ in how popular they are across the population (Zipf-like);
  // users' interests are drawn around this mix, so it is the population mean.
  const topicPop = normalize(dirichlet(r, topics, 2).map((x, i) => x / (1 + i * 0.15)));
  const creatorTopic = Array.from({ length: creators }, () => Math.floor(r() * topics));
  const creatorQuality = Array.from({ length: creators }, () => Math.exp(0.35 * normal(r)));
  const catalog = [];
  for (let i = 0; i < items; i++) {
    const c = Math.floor(Math.pow(r(), 1.5) * creators); // some creators post a lot more
    const main = r() < 0.8 ? creatorTopic[c] : Math.floor(r() * topics);
    const t = { [topicNames[main]]: 1 };
    let second = -1;
    if (r() < 0.35) {
      second = Math.floor(r() * topics);
      if (second !== main) t[topicNames[second]] = 0.5; else second = -1;
    }
    const quality = Math.min(1, 0.45 + 0.35 * creatorQuality[c] * r());
    catalog.push({
      id: `i${i}`, topics: t, main, second, creatorId: `c${c}`, creator: c, quality,
      publishedAt: T0 + (i / items) * days * DAY,
    });
  }
  return { topics, topicNames, topicPop, creators, catalog, days, T0 };
}

/** A user: latent interests, a mood per context, a drift direction. */
export function makeUser(world, seed) {
  const r = rng(seed);
  // Sparse (a few strong interests each), centred on the population mix.
  const interest = dirichlet(r, world.topics, world.topicPop.map((x) => 0.25 * world.topics * x));
  const moods = ['morning', 'evening'].map(() => Array.from({ length: world.topics }, () => Math.exp(0.9 * normal(r))));
  return { r, interest, moods };
}

/** Interest in context: the latent mix reweighted by the context's mood. */
export function contextInterest(user, ctx) {
  return normalize(user.interest.map((x, t) => x * user.moods[ctx][t]));
}

/** Probability that the user clicks an item once examined, before satiation. */
export function attraction(world, interestCtx, item) {
  let rel = interestCtx[item.main];
  if (item.second >= 0) rel = (rel + 0.5 * interestCtx[item.second]) / 1.5;
  return Math.min(0.95, 0.03 + 0.9 * Math.min(1, rel * 2.5) * item.quality);
}

/** Position bias: probability of examining rank r (0-based) of a 10-item page. */
export const examine = (rank) => 1 / Math.pow(rank + 1, 0.7);
/** Satiation: each earlier item of the same main topic on the page makes the next less attractive. */
export const SATIATION = 0.75;
/** Repeat exposure: an item shown before and passed over keeps this much of its attraction per earlier showing; one already opened, this much. */
export const REPEAT_SEEN = 0.5;
export const REPEAT_CLICKED = 0.1;

/**
 * Server score: a good population model. It knows each item's quality and the
 * population's interest in its topics (the true mean of all users), i.e. the
 * expected attraction for an average person, with some estimation noise.
 */
export function serverScore(world, item, r) {
  let pop = world.topicPop[item.main];
  if (item.second >= 0) pop = (pop + 0.5 * world.topicPop[item.second]) / 1.5;
  return item.quality * pop * Math.exp(0.25 * normal(r));
}

// ---- metrics ---------------------------------------------------------------

export function ndcgAt(labels, k) {
  // labels: 0/1 by rank of the shown list; ideal from all candidates' labels.
  let dcg = 0;
  for (let i = 0; i < Math.min(k, labels.shown.length); i++) if (labels.shown[i]) dcg += 1 / Math.log2(i + 2);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, labels.total); i++) idcg += 1 / Math.log2(i + 2);
  return idcg > 0 ? dcg / idcg : null;
}

export function topicSimilarity(a, b) {
  const wa = a.second >= 0 ? 1.5 : 1, wb = b.second >= 0 ? 1.5 : 1;
  const share = (it, w) => { const m = new Map([[it.main, 1 / w]]); if (it.second >= 0) m.set(it.second, 0.5 / w); return m; };
  const sa = share(a, wa), sb = share(b, wb);
  let s = 0;
  for (const [t, x] of sa) if (sb.has(t)) s += Math.min(x, sb.get(t));
  return s;
}

export function intraListDiversity(list) {
  let s = 0, n = 0;
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) { s += 1 - topicSimilarity(list[i], list[j]); n++; }
  return n ? s / n : 0;
}

export function calibrationKl(p, list, alpha = 0.01) {
  const q = new Array(p.length).fill(0);
  for (const it of list) {
    const w = it.second >= 0 ? 1.5 : 1;
    q[it.main] += 1 / w;
    if (it.second >= 0) q[it.second] += 0.5 / w;
  }
  let kl = 0;
  for (let t = 0; t < p.length; t++) {
    if (p[t] <= 0) continue;
    kl += p[t] * Math.log(p[t] / ((1 - alpha) * q[t] / list.length + alpha * p[t]));
  }
  return kl;
}

export function gini(counts) {
  const v = [...counts].sort((a, b) => a - b);
  const n = v.length, sum = v.reduce((a, b) => a + b, 0);
  if (!n || !sum) return 0;
  let acc = 0;
  v.forEach((x, i) => { acc += (2 * (i + 1) - n - 1) * x; });
  return acc / (n * sum);
}

export function entropy(counts) {
  const sum = counts.reduce((a, b) => a + b, 0);
  if (!sum) return 0;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / sum) * Math.log2(c / sum);
  return h;
}

// ---- policies --------------------------------------------------------------

/** The opt-in features on top of the defaults: calibration and 10% exploration. */
export const OPT_IN_OPTIONS = Object.freeze({ calibration: true, exploration: 0.1 });
/** The policy the targets are checked on: `rerank(items)` at its defaults. */
export const DEFAULTS = 'localrank defaults';

/** Shared localrank personalizer per policy; reset between users by importing an empty profile. */
async function localrankPolicy(name, rerankOptions, seed) {
  let now = T0;
  const p = await createPersonalizer({ storage: 'memory', seed, now: () => now, consent: { personalization: true }, autosaveMs: 0, config: JSON.parse(process.env.LOCALRANK_EVAL_CONFIG ?? '{}') });
  const empty = p.exportProfile();
  return {
    name,
    startUser() { p.importProfile(empty); },
    rank(items, ctx, at) {
      now = at;
      const input = items.map((it) => ({ id: it.id, topics: it.topics, creatorId: it.creatorId, serverScore: it.server, publishedAt: it.publishedAt }));
      return p.rerank(input, { ...rerankOptions, context: { intent: ctx } }).map((x) => items[x.originalIndex]);
    },
    observe(shown, clicks, ctx, at) {
      now = at;
      const events = [];
      shown.forEach((it, k) => {
        events.push({ type: 'impression', itemId: it.id, topics: it.topics, creatorId: it.creatorId, at: at + k, context: { intent: ctx } });
      });
      // What a site would record for an opened post: the click, the read
      // (dwell vs expected read time) and, sometimes, a like.
      clicks.forEach((it, k) => {
        const base = { itemId: it.id, topics: it.topics, creatorId: it.creatorId, context: { intent: ctx } };
        events.push({ ...base, type: 'click', at: at + 100 + k });
        events.push({ ...base, type: 'dwell', dwellMs: it.read * 30000, expectedMs: 30000, at: at + 200 + k });
        if (it.liked) events.push({ ...base, type: 'like', at: at + 300 + k });
      });
      p.record(events);
    },
    dispose() { p.dispose(); },
  };
}

export async function makePolicies(seed) {
  const clicks = new Map(), impressions = new Map();
  const shuffleRng = rng(seed ^ 0x5bd1e995);
  return [
    await localrankPolicy(DEFAULTS, {}, seed),
    { name: 'server order', startUser() {}, rank: (items) => [...items].sort((a, b) => b.server - a.server), observe() {}, dispose() {} },
    {
      name: 'popularity',
      startUser() {},
      // Observed CTR of each item across everyone so far, shrunk towards the
      // server's prediction: a global (non-personal) learnt popularity.
      rank: (items) => {
        const maxS = Math.max(...items.map((i) => i.server));
        const score = (it) => ((clicks.get(it.id) ?? 0) + 20 * 0.15 * (it.server / maxS)) / ((impressions.get(it.id) ?? 0) + 20);
        return [...items].sort((a, b) => score(b) - score(a));
      },
      observe(shown, clicked) {
        for (const it of shown) impressions.set(it.id, (impressions.get(it.id) ?? 0) + 1);
        for (const it of clicked) clicks.set(it.id, (clicks.get(it.id) ?? 0) + 1);
      },
      dispose() {},
    },
    {
      name: 'shuffle', startUser() {}, observe() {}, dispose() {},
      rank: (items) => {
        const a = [...items];
        for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(shuffleRng() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; }
        return a;
      },
    },
    await localrankPolicy('localrank, no diversity', { diversity: 0 }, seed),
    await localrankPolicy('localrank + calibration + 10% exploration', OPT_IN_OPTIONS, seed),
  ];
}

/**
 * Runs the simulation. Returns per-policy aggregates and per-session series.
 * @param {{seed: number, users: number, sessions: number, candidates: number, page: number}} o
 */
export async function simulate(o) {
  const world = makeWorld(o.seed);
  const policies = await makePolicies(o.seed);
  const P = policies.length;
  const acc = policies.map(() => ({
    shown: 0, clicks: 0, ndcg: [], ndcgBySession: [], ild: [], coverage: [], kl: [],
    creatorImpressions: new Array(world.creators).fill(0),
    entropyEarly: [], entropyLate: [], entropyBySession: Array.from({ length: o.sessions }, () => []),
  }));
  // The feed's pool of live posts: a window of recent items that moves on
  // with every session (sessions are ten hours apart).
  const windowItems = 500, shift = Math.min(450, Math.floor((world.catalog.length - 700) / o.sessions));
  for (let u = 0; u < o.users; u++) {
    const user = makeUser(world, o.seed * 7919 + u * 104729 + 1);
    const r = user.r;
    for (const p of policies) p.startUser();
    const history = policies.map(() => new Map());
    const consumed = policies.map(() => Array.from({ length: o.sessions }, () => new Array(world.topics).fill(0)));
    const offset = Math.floor(r() * 6 * HOUR);
    for (let s = 0; s < o.sessions; s++) {
      const ctx = s % 2 === 0 ? 'morning' : 'evening';
      const at = world.T0 + offset + (s + 1) * 10 * HOUR;
      // Candidates: recent items (a sliding window over the catalog), sampled.
      const lo = (u * 37) % 200 + s * shift;
      const picked = new Set();
      while (picked.size < o.candidates) picked.add(lo + Math.floor(r() * windowItems));
      const items = [...picked].map((k) => {
        const it = world.catalog[k];
        return { ...it, server: serverScore(world, it, r) };
      });
      // Common random numbers: the same draws for every policy.
      const ic = contextInterest(user, ctx === 'morning' ? 0 : 1);
      const draw = new Map(items.map((it) => [it.id, r()]));
      const attr = new Map(items.map((it) => [it.id, attraction(world, ic, it)]));
      const exam = Array.from({ length: o.page }, () => r());
      // How much of an opened post is read, and whether it is liked, grow with attraction.
      const reads = new Map(items.map((it) => [it.id, Math.min(1.2, 0.2 + 1.2 * attraction(world, ic, it) * r() + 0.3 * r())]));
      const likes = new Map(items.map((it) => [it.id, r() < 0.4 * attraction(world, ic, it)]));
      const sat = Array.from({ length: o.page }, () => r());
      for (let k = 0; k < P; k++) {
        // Seen before in this feed: passed over → much less attractive now,
        // already opened → rarely opened again.
        const hist = history[k];
        const label = new Map(items.map((it) => {
          const h = hist.get(it.id);
          const rep = h === undefined ? 1 : h.clicked ? REPEAT_CLICKED : Math.pow(REPEAT_SEEN, h.seen);
          return [it.id, draw.get(it.id) < attr.get(it.id) * rep ? 1 : 0];
        }));
        const totalLabels = [...label.values()].reduce((a, b) => a + b, 0);
        const ranked = policies[k].rank(items, ctx, at).slice(0, o.page);
        const a = acc[k];
        const clicked = [];
        const wouldClick = [];
        const topicSeen = new Map();
        ranked.forEach((it, rank) => {
          const before = topicSeen.get(it.main) ?? 0;
          topicSeen.set(it.main, before + 1);
          // Clicked if examined; `wouldClick` removes only the position bias.
          const want = label.get(it.id) === 1 && sat[rank] < Math.pow(SATIATION, before);
          wouldClick.push(want ? 1 : 0);
          if (want && exam[rank] < examine(rank)) clicked.push(it);
          a.creatorImpressions[it.creator]++;
        });
        a.shown += ranked.length;
        a.clicks += clicked.length;
        const nd = ndcgAt({ shown: wouldClick, total: totalLabels }, o.page);
        if (nd !== null) { a.ndcg.push(nd); (a.ndcgBySession[s] ??= []).push(nd); }
        a.ild.push(intraListDiversity(ranked));
        a.coverage.push(new Set(ranked.map((it) => it.main)).size);
        a.kl.push(calibrationKl(user.interest, ranked));
        for (const it of ranked) {
          const h = hist.get(it.id) ?? { seen: 0, clicked: false };
          h.seen++;
          hist.set(it.id, h);
        }
        for (const it of clicked) hist.get(it.id).clicked = true;
        for (const it of clicked) consumed[k][s][it.main]++;
        policies[k].observe(ranked, clicked.map((it) => ({ ...it, read: reads.get(it.id), liked: likes.get(it.id) })), ctx, at);
      }
      // Tastes drift a little after every session.
      const target = dirichlet(r, world.topics, world.topicPop.map((x) => 0.25 * world.topics * x));
      user.interest = user.interest.map((x, t) => 0.93 * x + 0.07 * target[t]);
    }
    const half = Math.floor(o.sessions / 2);
    for (let k = 0; k < P; k++) {
      const sum = (from, to) => {
        const c = new Array(world.topics).fill(0);
        for (let s = from; s < to; s++) consumed[k][s].forEach((x, t) => { c[t] += x; });
        return c;
      };
      const early = sum(0, half), late = sum(half, o.sessions);
      if (early.reduce((a, b) => a + b, 0) >= 2 && late.reduce((a, b) => a + b, 0) >= 2) {
        acc[k].entropyEarly.push(entropy(early));
        acc[k].entropyLate.push(entropy(late));
      }
      for (let s = 0; s < o.sessions; s++) {
        if (consumed[k][s].some((x) => x > 0)) acc[k].entropyBySession[s].push(entropy(consumed[k][s]));
      }
    }
  }
  for (const p of policies) p.dispose();
  const mean = (v) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
  return policies.map((p, k) => {
    const a = acc[k];
    const hEarly = mean(a.entropyEarly), hLate = mean(a.entropyLate);
    return {
      policy: p.name,
      ctr: a.clicks / a.shown,
      ndcg10: mean(a.ndcg),
      ild: mean(a.ild),
      coverage: mean(a.coverage),
      calibrationKl: mean(a.kl),
      creatorGini: gini(a.creatorImpressions),
      entropyEarly: hEarly,
      entropyLate: hLate,
      entropyDrift: hEarly > 0 ? hLate / hEarly - 1 : 0,
      entropyBySession: a.entropyBySession.map(mean),
      ndcgBySession: a.ndcgBySession.map(mean),
    };
  });
}
