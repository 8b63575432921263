// SPDX-License-Identifier: MIT
// The baseline: what a web developer would write instead of localrank, in
// plain, straightforward JavaScript (objects, Maps, number[] embeddings,
// Array.prototype.sort), implementing the same scoring formulas as the core
// (core/src/ranker.cpp) so that it returns the same ranking. It reads the
// profile state from localrank's own export, so both start from identical
// affinities; learning (record) is not part of the baseline.

const HOUR = 3600000;
const DAY = 24 * HOUR;

/** The core's defaults (core/include/localrank/config.h). */
export const DEFAULTS = {
  longHalfLifeMs: 14 * DAY,
  shortHalfLifeMs: 30 * 60 * 1000,
  shortTermShare: 0.4,
  freshnessHalfLifeMs: 2 * DAY,
  serverWeight: 1.0,
  topicWeight: 1.0,
  creatorWeight: 0.6,
  freshnessWeight: 0.2,
  embeddingWeight: 0.5,
  affinityScale: 3.0,
};

function decayed(value, at, now, halfLife) {
  if (now <= at || value === 0) return value;
  return value * Math.pow(2, -(now - at) / halfLife);
}

export class PlainReranker {
  /**
   * @param {any} exported  the result of personalizer.exportProfile()
   * @param {Partial<typeof DEFAULTS>} [config]
   */
  constructor(exported, config = {}) {
    this.config = { ...DEFAULTS, ...config };
    this.topics = new Map(exported.topics.map((t) => [t.name, t]));
    this.creators = new Map(exported.creators.map((c) => [c.name, c]));
    this.userVector = exported.userVector ? exported.userVector.values : null;
  }

  affinity(entry, now) {
    if (!entry) return 0;
    const c = this.config;
    return (1 - c.shortTermShare) * decayed(entry.long, entry.longAt, now, c.longHalfLifeMs) +
      c.shortTermShare * decayed(entry.short, entry.shortAt, now, c.shortHalfLifeMs);
  }

  scale(map, now) {
    let top = 0;
    for (const entry of map.values()) top = Math.max(top, this.affinity(entry, now));
    return Math.max(this.config.affinityScale, top);
  }

  cosine(a, b) {
    let dot = 0, na = 0, nb = 0;
    for (let k = 0; k < a.length; k++) {
      dot += a[k] * b[k];
      na += a[k] * a[k];
      nb += b[k] * b[k];
    }
    return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
  }

  /**
   * @param {{id: string, topics: Record<string, number>, creatorId?: string, serverScore?: number, publishedAt?: number, embedding?: number[]}[]} items
   * @param {{now: number}} options
   */
  rerank(items, { now }) {
    const c = this.config;
    const scores = items.map((item) => item.serverScore);
    const allScored = items.length > 0 && scores.every((s) => typeof s === 'number');
    const lo = Math.min(...scores), hi = Math.max(...scores);
    const topicScale = this.scale(this.topics, now);
    const creatorScale = this.scale(this.creators, now);

    const scored = items.map((item, index) => {
      const reasons = [];
      const server = allScored
        ? (hi > lo ? (item.serverScore - lo) / (hi - lo) : 1)
        : (items.length > 1 ? 1 - index / items.length : 1);
      let score = c.serverWeight * server;
      reasons.push({ kind: 'server', label: 'position in the original feed', contribution: score });

      const topicNames = Object.keys(item.topics ?? {});
      const wsum = topicNames.reduce((s, name) => s + Math.fround(item.topics[name]), 0);
      for (const name of topicNames) {
        if (wsum <= 0) continue;
        const share = Math.fround(item.topics[name]) / wsum;
        const v = c.topicWeight * share * Math.tanh(this.affinity(this.topics.get(name), now) / topicScale);
        if (v !== 0) reasons.push({ kind: 'topic', label: name, contribution: v });
        score += v;
      }
      if (item.creatorId) {
        const v = c.creatorWeight * Math.tanh(this.affinity(this.creators.get(item.creatorId), now) / creatorScale);
        if (v !== 0) reasons.push({ kind: 'creator', label: item.creatorId, contribution: v });
        score += v;
      }
      if (typeof item.publishedAt === 'number') {
        const v = c.freshnessWeight * Math.pow(2, -Math.max(0, now - item.publishedAt) / c.freshnessHalfLifeMs);
        if (v !== 0) reasons.push({ kind: 'freshness', label: 'recently published', contribution: v });
        score += v;
      }
      if (this.userVector && item.embedding) {
        const v = c.embeddingWeight * this.cosine(this.userVector, item.embedding);
        if (v !== 0) reasons.push({ kind: 'embedding', label: 'similar to posts you engaged with', contribution: v });
        score += v;
      }
      return { id: item.id, score, originalIndex: index, reasons };
    });

    // Best first; ties keep the input order (Array.prototype.sort is stable).
    return scored.sort((a, b) => b.score - a.score);
  }
}
