// SPDX-License-Identifier: MIT
// The baseline: what a web developer would write instead of localrank, in
// plain, straightforward JavaScript (objects, Maps, number[] embeddings,
// Array.prototype.sort, one reason object per contribution), implementing the
// same pipeline as the core (core/src/rank/ranker.cpp score stage, diversity.cpp
// rerank stage) so that it returns the same ranking: score with fatigue,
// the engagement-rate lift per topic, filter tiers, then greedy filling of
// the first topK slots with MMR (similarity memory updated for every
// remaining item at each slot, the textbook way), creator and main-topic
// decay, the three-in-a-row rule and the topic cap. It reads the learnt interests
// and fatigue from localrank's own exportProfile(), so both start from the
// same state; learning (record) is not part of it.
//
// Not covered (not used by the benchmark workload): context, more/less/never
// preferences, calibration, exploration, pinned items, the "already opened" tier. Numbers are doubles
// throughout, where the core computes embedding dot products in float with a
// fixed order (kernels.h): scores differ by about 1e-8, which the benchmark's
// top-50 check shows does not change the order on its workload.

// Item fatigue in localrank's export is keyed by the hash of the item id, so
// the baseline needs the very same hash to read it: it uses localrank's own.
import { hashId } from '../../wasm/src/hash.js';

const HOUR = 3600000;
const DAY = 24 * HOUR;

/** The core's defaults (config.h, stages.h RankTuning, fatigue.h FatigueTuning). */
export const DEFAULTS = {
  longHalfLifeMs: 14 * DAY,
  shortHalfLifeMs: 30 * 60 * 1000,
  shortTermShare: 0.4,
  freshnessHalfLifeMs: 2 * DAY,
  serverWeight: 1.0,
  topicWeight: 0.5,
  creatorWeight: 0.6,
  freshnessWeight: 0,
  embeddingWeight: 1.5,
  affinityScale: 3.0,
  mmrWeight: 0.5,
  mmrMemory: 0.7,
  creatorFactor: 0.6,
  creatorFloor: 0.25,
  topicFactor: 0.7,
  topicFloor: 0.25,
  rateWeight: 1.0,
  ratePrior: 6.0,
  ratePower: 2.0,
  rateBasePrior: 0.2,
  rateBasePriorShown: 10,
  topicCapTopN: 10,
  topicCapShare: 0.4,
  greedyDepth: 100,  // the default of the `topK` option
  fatigueHalfLifeMs: DAY,
  itemStep: 0.15, itemMax: 0.6,
  creatorStep: 0.04, creatorMax: 0.25,
  topicStep: 0.03, topicMax: 0.3,
  itemSeenLimit: 5.0,
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
    // The person's learnt model moves the prior weights (docs/model.md).
    const shift = exported.model?.shift ?? {};
    for (const [signal, key] of [['server', 'serverWeight'], ['topic', 'topicWeight'], ['creator', 'creatorWeight'],
      ['embedding', 'embeddingWeight'], ['rate', 'rateWeight'], ['freshness', 'freshnessWeight']]) {
      this.config[key] = Math.min(8, Math.max(-8, this.config[key] + (shift[signal] ?? 0)));
    }
    this.topics = new Map(exported.topics.map((t) => [t.name, t]));
    this.creators = new Map(exported.creators.map((c) => [c.name, c]));
    this.rates = new Map((exported.rates ?? []).map((r) => [r.name, r]));
    this.userVector = exported.userVector ? exported.userVector.values : null;
    const f = exported.fatigue ?? { items: [], creators: [], topics: [] };
    this.fatigueItems = new Map(f.items.map((e) => [e.key, e]));
    this.fatigueCreators = new Map(f.creators.map((e) => [e.name, e]));
    this.fatigueTopics = new Map(f.topics.map((e) => [e.name, e]));
  }

  affinity(entry, now) {
    if (!entry) return 0;
    const c = this.config;
    return (1 - c.shortTermShare) * decayed(entry.long, entry.longAt, now, c.longHalfLifeMs) +
      c.shortTermShare * decayed(entry.short, entry.shortAt, now, c.shortHalfLifeMs);
  }

  fatigue(entry, now) {
    return entry ? decayed(entry.count, entry.at, now, this.config.fatigueHalfLifeMs) : 0;
  }

  /**
   * The engagement-rate lift of every topic with evidence (docs/profile.md,
   * "Engagement rate"): engagement over what the person's base rate gives for
   * what was shown, shrunk towards 1, to the power ratePower.
   */
  lifts(now) {
    const c = this.config;
    // Each topic's decayed evidence, computed once: the base rate sums it, the lifts reuse it.
    const evidence = [];
    let shown = 0, engaged = 0;
    for (const [name, r] of this.rates) {
      const s = decayed(r.shown, r.shownAt, now, c.longHalfLifeMs), e = decayed(r.engaged, r.engagedAt, now, c.longHalfLifeMs);
      evidence.push([name, s, e]);
      shown += s;
      engaged += e;
    }
    const base = Math.max(0, engaged + c.rateBasePriorShown * c.rateBasePrior) / (shown + c.rateBasePriorShown);
    const out = new Map();
    for (const [name, s, e] of evidence) {
      const lift = Math.max(0, c.ratePrior + e) / (c.ratePrior + base * s);
      out.set(name, Math.pow(lift, c.ratePower));
    }
    return out;
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

  /** Topic overlap (sum of the smaller shares), averaged with the positive embedding cosine. */
  similarity(x, y) {
    let topic = 0;
    for (const [name, share] of x.shares) {
      const other = y.shares.get(name);
      if (other !== undefined) topic += Math.min(share, other);
    }
    if (!x.embedding || !y.embedding || x.norm === 0 || y.norm === 0) return topic;
    let dot = 0;
    for (let k = 0; k < x.embedding.length; k++) dot += x.embedding[k] * y.embedding[k];
    return 0.5 * topic + 0.5 * Math.max(0, dot / (x.norm * y.norm));
  }

  /** Scores every item, with its reasons, fatigue and filter tier. */
  score(items, now) {
    const c = this.config;
    const allScored = items.length > 0 && items.every((item) => typeof item.serverScore === 'number');
    const serverScores = items.map((item) => item.serverScore);
    const lo = Math.min(...serverScores), hi = Math.max(...serverScores);
    const topicScale = this.scale(this.topics, now);
    const creatorScale = this.scale(this.creators, now);
    const lifts = c.rateWeight > 0 ? this.lifts(now) : new Map();
    const seenKeys = new Set();

    return items.map((item, index) => {
      const reasons = [];
      const add = (kind, label, contribution) => reasons.push({ kind, label, contribution });
      const server = allScored
        ? (hi > lo ? (item.serverScore - lo) / (hi - lo) : 1)
        : (items.length > 1 ? 1 - index / items.length : 1);
      const serverPart = c.serverWeight * server;
      let total = serverPart;
      add('server', 'position in the original feed', total);

      const names = Object.keys(item.topics ?? {});
      const weights = names.map((name) => Math.fround(item.topics[name]));
      const wsum = weights.reduce((s, w) => s + w, 0);
      const shares = new Map();
      // The heaviest topic; none when several share the heaviest weight.
      let mainTopic = null, mainWeight = -1, tied = false;
      names.forEach((name, k) => {
        if (weights[k] > mainWeight) { mainWeight = weights[k]; mainTopic = name; tied = false; } else if (weights[k] === mainWeight) tied = true;
      });
      if (tied) mainTopic = null;
      let topicFatigue = 0, worstFatigue = 0, fatigueTopic = null;
      names.forEach((name, k) => {
        if (wsum <= 0) return;
        const share = weights[k] / wsum;
        shares.set(name, share);
        const v = c.topicWeight * share * Math.tanh(this.affinity(this.topics.get(name), now) / topicScale);
        if (v !== 0) add('topic', name, v);
        total += v;
        const lift = lifts.get(name) ?? 1;
        if (lift !== 1) {
          const r = c.rateWeight * server * share * (lift - 1);
          if (r !== 0) add('rate', name, r);
          total += r;
        }
        const tf = share * Math.min(c.topicMax, c.topicStep * this.fatigue(this.fatigueTopics.get(name), now));
        topicFatigue += tf;
        if (tf > worstFatigue) { worstFatigue = tf; fatigueTopic = name; }
      });
      if (item.creatorId) {
        const v = c.creatorWeight * Math.tanh(this.affinity(this.creators.get(item.creatorId), now) / creatorScale);
        if (v !== 0) add('creator', item.creatorId, v);
        total += v;
      }
      if (typeof item.publishedAt === 'number') {
        const v = c.freshnessWeight * Math.pow(2, -Math.max(0, now - item.publishedAt) / c.freshnessHalfLifeMs);
        if (v !== 0) add('freshness', 'recently published', v);
        total += v;
      }
      if (this.userVector && item.embedding) {
        const v = c.embeddingWeight * this.cosine(this.userVector, item.embedding);
        if (v !== 0) add('embedding', 'similar to posts you engaged with', v);
        total += v;
      }
      const key = hashId(item.id);
      const seen = this.fatigue(this.fatigueItems.get(key), now);
      if (seen > 0) {
        const v = -Math.min(c.itemMax, c.itemStep * seen);
        add('fatigue', 'shown often recently', v);
        total += v;
      }
      if (item.creatorId) {
        const cf = this.fatigue(this.fatigueCreators.get(item.creatorId), now);
        if (cf > 0) {
          const v = -Math.min(c.creatorMax, c.creatorStep * cf);
          add('fatigue', item.creatorId, v);
          total += v;
        }
      }
      if (topicFatigue > 0) {
        add('fatigue', fatigueTopic, -topicFatigue);
        total -= topicFatigue;
      }
      let tier = 0;
      if (seenKeys.has(key)) { tier = 2; add('duplicate', 'repeats an item above', 0); }
      else if (seen >= c.itemSeenLimit) { tier = 1; add('seen', 'shown many times without interest', 0); }
      seenKeys.add(key);
      let norm = 0;
      if (item.embedding) norm = Math.sqrt(item.embedding.reduce((s, x) => s + x * x, 0));
      return { item, index, total, tier, reasons, mainTopic, shares, embedding: item.embedding, norm };
    });
  }

  /**
   * @param {{id: string, topics: Record<string, number>, creatorId?: string, serverScore?: number, publishedAt?: number, embedding?: number[]}[]} items
   * @param {{now: number, diversity?: number, topK?: number}} options  topK: greedily arranged slots (default 100)
   */
  rerank(items, { now, diversity = 0.3, topK = this.config.greedyDepth }) {
    const c = this.config;
    const scored = this.score(items, now);
    const d = diversity, diverse = d > 0;
    const eligible = scored.filter((x) => x.tier === 0);
    const tail = scored.filter((x) => x.tier !== 0).sort((a, b) => a.tier - b.tier || b.total - a.total);
    const depth = Math.min(eligible.length, topK);
    const cap = Math.ceil(c.topicCapShare * c.topicCapTopN);
    const memory = new Map(eligible.map((x) => [x, 0]));
    const creatorCount = new Map(), topicCount = new Map(), topicPlaced = new Map();
    let lastCreators = [null, null];
    const result = [];

    const emit = (x, choice) => {
      const reasons = [...x.reasons];
      if (choice && choice.similar !== 0) reasons.push({ kind: 'diversity', label: 'similar to posts above', contribution: -choice.similar });
      if (choice && choice.creator !== 0) reasons.push({ kind: 'diversity', label: 'creator already shown above', contribution: -choice.creator });
      if (choice && choice.topic !== 0) reasons.push({ kind: 'diversity', label: 'topic already shown above', contribution: -choice.topic });
      const score = reasons.reduce((s, r) => s + r.contribution, 0);
      result.push({ id: x.item.id, score, originalIndex: x.index, reasons });
    };

    for (let pos = 0; pos < items.length; pos++) {
      if (pos >= eligible.length) {
        emit(tail[pos - eligible.length], null);
        continue;
      }
      if (pos >= depth) {
        // Past the greedy part: the rest by score.
        const rest = [...memory.keys()].sort((a, b) => b.total - a.total || a.index - b.index);
        for (const x of rest) emit(x, null);
        pos += rest.length - 1;
        continue;
      }
      let bestOk = null, bestAny = null;
      for (const x of memory.keys()) {
        const similar = diverse ? d * c.mmrWeight * memory.get(x) : 0;
        let creator = 0;
        const k = (creatorCount.get(x.item.creatorId) ?? 0) + 1;
        if (diverse && x.item.creatorId && k >= 2) {
          creator = (1 - Math.max(c.creatorFloor, Math.pow(c.creatorFactor, k - 1))) * Math.max(0, x.total);
        }
        // Main-topic decay, on what the creator decay left of the positive score.
        let topic = 0;
        const kt = (topicPlaced.get(x.mainTopic) ?? 0) + 1;
        if (diverse && x.mainTopic !== null && kt >= 2) {
          topic = (1 - Math.max(c.topicFloor, Math.pow(c.topicFactor, kt - 1))) * Math.max(0, Math.max(0, x.total) - creator);
        }
        const choice = { x, similar, creator, topic, adjusted: x.total - similar - creator - topic };
        const ok = !diverse || (
          !(x.item.creatorId && lastCreators[0] === x.item.creatorId && lastCreators[1] === x.item.creatorId) &&
          !(pos < c.topicCapTopN && x.mainTopic !== null && (topicCount.get(x.mainTopic) ?? 0) >= cap));
        if (!bestAny || choice.adjusted > bestAny.adjusted) bestAny = choice;
        if (ok && (!bestOk || choice.adjusted > bestOk.adjusted)) bestOk = choice;
      }
      const pick = bestOk ?? bestAny;
      emit(pick.x, pick);
      const placed = pick.x;
      memory.delete(placed);
      if (placed.item.creatorId) creatorCount.set(placed.item.creatorId, (creatorCount.get(placed.item.creatorId) ?? 0) + 1);
      lastCreators = [lastCreators[1], placed.item.creatorId ?? null];
      if (placed.mainTopic !== null) topicPlaced.set(placed.mainTopic, (topicPlaced.get(placed.mainTopic) ?? 0) + 1);
      if (pos < c.topicCapTopN && placed.mainTopic !== null) topicCount.set(placed.mainTopic, (topicCount.get(placed.mainTopic) ?? 0) + 1);
      if (diverse) {
        for (const [x, m] of memory) memory.set(x, Math.max(m * c.mmrMemory, this.similarity(x, placed)));
      }
    }
    return result;
  }
}
