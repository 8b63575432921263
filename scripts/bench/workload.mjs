// SPDX-License-Identifier: MIT
// The benchmark workload, deterministic: a feed of n candidates (8 weighted
// topics each out of 200, one of 300 creators, a server score, a publication
// time, a 64-dimension embedding) and a history of 5,000 interactions with
// items of the same kind. Shared by the Node benchmark, the plain JavaScript
// baseline and (through a JSON file) the native Google Benchmark.
import { rng } from '../lib/prng.mjs';

export const NOW = 1767225600000; // 2026-01-01T00:00:00Z
export const DIM = 64;
export const TOPICS_PER_ITEM = 8;
export const TOPIC_COUNT = 200;
export const CREATOR_COUNT = 300;
/**
 * Rerank options of the workload (the issue's: MMR top 50 with creator decay,
 * fatigue and reasons), and the package defaults (topK 100) for comparison.
 */
export const RERANK = Object.freeze({ diversity: 0.3, topK: 50 });
export const RERANK_DEFAULT = Object.freeze({ diversity: 0.3 });
export const EVENT_TYPES = ['impression', 'impression', 'impression', 'click', 'dwell', 'like', 'share', 'save', 'hide', 'comment'];

/**
 * Topic interests cluster (a person reads a few areas): item topics are drawn
 * around a "theme", and embeddings are the theme's direction plus noise, so
 * that embedding similarity, topic overlap and MMR diversity all matter.
 */
function makeItem(r, prefix, i, themes, theme = Math.floor(r() * themes.length)) {
  const topics = {};
  while (Object.keys(topics).length < TOPICS_PER_ITEM) {
    const t = r() < 0.6 ? (theme * 7 + Math.floor(r() * 12)) % TOPIC_COUNT : Math.floor(r() * TOPIC_COUNT);
    topics[`topic${t}`] = Math.round((0.1 + r() * 0.9) * 1000) / 1000;
  }
  const embedding = new Array(DIM);
  const dir = themes[theme];
  for (let k = 0; k < DIM; k++) embedding[k] = Math.round((dir[k] + (r() * 2 - 1) * 0.8) * 1e4) / 1e4;
  return {
    id: `${prefix}${i}`,
    topics,
    creatorId: `creator${(theme * 11 + Math.floor(r() * 40)) % CREATOR_COUNT}`,
    serverScore: Math.round(r() * 1e6) / 1e4,
    publishedAt: NOW - Math.floor(r() * 5 * 86400000),
    embedding,
  };
}

function makeThemes(r) {
  return Array.from({ length: 24 }, () => Array.from({ length: DIM }, () => r() * 2 - 1));
}

/** n candidates as plain objects (embeddings as number[], as a web app would hold them). */
export function makeItems(n, seed = 1) {
  const themes = makeThemes(rng(7));
  const r = rng(1000 + seed);
  return Array.from({ length: n }, (_, i) => makeItem(r, `post-${seed}-`, i, themes));
}

/** `count` interactions over the 30 days before NOW, oldest first. */
export function makeEvents(count = 5000, seed = 2) {
  const themes = makeThemes(rng(7));
  const r = rng(2000 + seed);
  const events = [];
  for (let i = 0; i < count; i++) {
    // The person prefers a third of the themes: most engagement comes from them.
    const theme = r() < 0.7 ? 3 * Math.floor(r() * (themes.length / 3)) : Math.floor(r() * themes.length);
    const item = makeItem(r, `seen-${seed}-`, i, themes, theme);
    const type = EVENT_TYPES[Math.floor(r() * EVENT_TYPES.length)];
    const at = NOW - Math.floor((count - i) * (30 * 86400000 / count));
    const ev = { type, itemId: item.id, topics: item.topics, creatorId: item.creatorId, at, embedding: item.embedding };
    if (type === 'dwell') { ev.dwellMs = Math.floor(r() * 60000); ev.expectedMs = 30000; }
    events.push(ev);
  }
  return events;
}

/**
 * The same candidates as typed arrays for rerankPacked, with topic and creator
 * ids from the personalizer (done once, as an app that keeps its feed packed would).
 */
export function packItems(p, items) {
  const n = items.length;
  const topicOffsets = new Int32Array(n + 1);
  const topicIds = new Int32Array(n * TOPICS_PER_ITEM);
  const topicWeights = new Float32Array(n * TOPICS_PER_ITEM);
  const serverScore = new Float64Array(n), publishedAt = new Float64Array(n);
  const creator = new Int32Array(n), embeddings = new Float32Array(n * DIM);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const it = items[i];
    for (const name in it.topics) { topicIds[t] = p.topicId(name); topicWeights[t++] = it.topics[name]; }
    topicOffsets[i + 1] = t;
    serverScore[i] = it.serverScore;
    publishedAt[i] = it.publishedAt;
    creator[i] = p.creatorId(it.creatorId);
    embeddings.set(it.embedding, i * DIM);
  }
  return {
    ids: items.map((it) => it.id), serverScore, publishedAt, creator, topicOffsets,
    topicIds: topicIds.subarray(0, t), topicWeights: topicWeights.subarray(0, t), embeddings,
  };
}
