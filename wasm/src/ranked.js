// SPDX-License-Identifier: MIT
// What a rerank returns: the result objects (their `reasons` built when first
// read), the reason labels, and explain() of the last ranking.
import { KIND, REASON_KINDS, LABEL_KIND, REASON_PARTS } from './core-buffers.js';
import { explainReasons, SERVER_SCORE_LABEL } from './explain.js';

/** Human-readable labels for reasons that do not name a topic or creator. */
const REASON_LABELS = {
  server: 'position in the original feed',
  freshness: 'recently published',
  notPersonalized: 'personalization is off',
  pinned: 'pinned by the site',
  context: 'what you usually like in this context',
  embedding: 'similar to posts you engaged with',
  diversity: 'keeps your feed varied',
  explore: 'something new to explore',
  fatigue: 'shown often recently',
  adjustment: 'your show more/less setting',
  never: 'you asked never to see this',
  duplicate: 'repeats an item above',
  seen: 'shown many times without interest',
};

/** Labels of the parts of the ranking a reason can name (LABEL_KIND.PART). */
const PART_LABELS = {
  [REASON_PARTS.SIMILAR]: 'similar to posts above',
  [REASON_PARTS.CREATOR_SHOWN]: 'creator already shown above',
  [REASON_PARTS.CALIBRATION]: 'balances your mix of interests',
  [REASON_PARTS.TOPIC_SHOWN]: 'topic already shown above',
  [REASON_PARTS.OPENED]: 'you already opened this',
};

/** The name table of each label kind that names one. */
const LABEL_TABLES = {
  [LABEL_KIND.TOPIC]: KIND.TOPIC,
  [LABEL_KIND.CREATOR]: KIND.CREATOR,
  [LABEL_KIND.CONTEXT]: KIND.CONTEXT,
};

/**
 * The label of a reason: the topic, creator or context key it names, or a short phrase.
 * @param {string} kind
 * @param {number} labelKind @param {number} id  the label pair: what it names (LABEL_KIND) and which
 * @param {boolean} personal
 * @param {string[][]} names  the name tables the ids refer to (a compaction renumbers them)
 * @param {boolean} [serverScored]  every item of the batch had a serverScore (the core then ranks by it, not by position)
 */
function reasonLabel(kind, labelKind, id, personal, names, serverScored = false) {
  if (kind === 'server' && serverScored) return SERVER_SCORE_LABEL;
  const table = LABEL_TABLES[labelKind];
  if (table !== undefined) return names[table][id] ?? '';
  if (labelKind === LABEL_KIND.PART && PART_LABELS[id] !== undefined) return PART_LABELS[id];
  if (kind === 'notPersonalized' && !personal) return 'personalization is not consented';
  return REASON_LABELS[/** @type {keyof typeof REASON_LABELS} */ (kind)] ?? kind;
}

/** The index of `pinned` in REASON_KINDS: a rank's first added reason may be it. */
const PINNED = REASON_KINDS.indexOf('pinned');

/**
 * Reason record k of a part of a ranking, as a result object's `reasons` hold it.
 * @param {any} last @param {Int32Array} ints @param {Float64Array} values @param {number} k
 * @returns {{kind: string, label: string, contribution: number}}
 */
function reasonOf(last, ints, values, k) {
  const head = ints[4 * k];
  const kind = REASON_KINDS[head & 0xffff];
  const label = reasonLabel(kind, head >>> 16, ints[4 * k + 1], last.personal, last.names, last.serverScored);
  return { kind, label, contribution: values[2 * k + 1] };
}

/**
 * The reasons of the item at `rank` of a ranking copied out of wasm memory
 * (see lastRanking), in order (RankResult::ReasonsAt in the core): its
 * `pinned` reason (the first of those added at its rank, when it has one),
 * those scored for the item, then the others added at its rank. Each is
 * `make` of its record (core-abi.js RawResult: record k of a part).
 * @template T
 * @param {any} last @param {number} rank
 * @param {(last: any, ints: Int32Array, values: Float64Array, k: number) => T} make
 * @returns {T[]}
 */
function reasonsAt(last, rank, make) {
  const { itemOff, itemInts, itemValues, rankOff, rankInts, rankValues } = last;
  const index = last.order[rank];
  const itemFrom = itemOff[index], itemTo = itemOff[index + 1];
  let from = rankOff[rank];
  const to = rankOff[rank + 1];
  const reasons = new Array(itemTo - itemFrom + to - from);
  let w = 0;
  if (from < to && (rankInts[4 * from] & 0xffff) === PINNED) reasons[w++] = make(last, rankInts, rankValues, from++);
  for (let k = itemFrom; k < itemTo; k++) reasons[w++] = make(last, itemInts, itemValues, k);
  for (let k = from; k < to; k++) reasons[w++] = make(last, rankInts, rankValues, k);
  return reasons;
}

/**
 * A reason as explain() needs it: reasonOf's, with its label pair.
 * @param {any} last @param {Int32Array} ints @param {Float64Array} values @param {number} k
 */
function explainedReasonOf(last, ints, values, k) {
  return { ...reasonOf(last, ints, values, k), labelKind: ints[4 * k] >>> 16, id: ints[4 * k + 1] };
}

/**
 * Turns the `reasons` accessor of a result object into a data property
 * holding `value`, keeping the order of its keys; false (and nothing changes)
 * when the object refuses, being frozen, sealed or not extensible. V8
 * reconfigures a property in place slowly (about 1.1 µs), so while `reasons`
 * is still the object's last key (rankedItems adds it last) it is deleted and
 * assigned again, which V8 does by going back to the object's previous shape
 * (about half the time; the key check is most of it).
 * @param {object} x @param {unknown} value
 */
function settleReasons(x, value) {
  if (Object.isExtensible(x)) {
    // Every own key, non-enumerable and symbols too: any of them added later must stay after `reasons`.
    const keys = Reflect.ownKeys(x);
    if (keys[keys.length - 1] === 'reasons') {
      const proto = Object.getPrototypeOf(x);
      // An assignment adds the same data property, unless something up the prototype chain claims the name.
      if ((proto === null || !('reasons' in proto)) && Reflect.deleteProperty(x, 'reasons')) {
        x.reasons = value;
        return true;
      }
    }
  }
  return Reflect.defineProperty(x, 'reasons', { value, writable: true, enumerable: true, configurable: true });
}

/** Node's util.inspect hook (console.log): a registered symbol, so no import of node:util. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');
/**
 * util.inspect of a rerank result: reads every item's `reasons` (turning the
 * lazy accessor into data) and shows a plain copy of the array.
 * @this {any[]} @param {number} depth @param {object} options @param {(v: unknown, o: object) => string} inspect
 */
function inspectResult(depth, options, inspect) {
  for (const item of this) void item?.reasons;
  return inspect([...this], options);
}

/** Returns the object it is given, so that a subclass's private fields can be added to a plain object. */
class PlainBase {
  /** @param {object} o */
  constructor(o) { return o; }
}

/**
 * Where a ranked item's reasons come from, kept in private fields of the
 * plain result object itself: invisible to Object.keys, spread, JSON and
 * structured clone, and costing no property definition.
 */
class RankedState extends PlainBase {
  /** @type {any} */ #last;
  #rank;
  /** @type {{kind: string, label: string, contribution: number}[]|null} */ #reasons = null;

  /** @param {object} o @param {any} last @param {number} rank */
  constructor(o, last, rank) {
    super(o);
    this.#last = last;
    this.#rank = rank;
  }

  /**
   * The reasons of `o` (or of the nearest result object on its prototype
   * chain, as for an inherited data property), built on the first call and
   * stored on that object as a plain data property; undefined for other objects.
   * @param {object} o
   */
  static reasonsOf(o) {
    for (let x = o; x !== null; x = Object.getPrototypeOf(x)) {
      if (#rank in x) {
        if (x.#reasons === null) {
          x.#reasons = reasonsAt(x.#last, x.#rank, reasonOf);
          x.#last = null;
        }
        const value = x.#reasons;
        // false (and the private copy keeps answering) when the object was frozen or sealed.
        settleReasons(x, value);
        return value;
      }
    }
    return undefined;
  }
}

/**
 * `reasons` of a ranked item: an own enumerable accessor that turns itself
 * into a plain data property when first read or written, so reading the
 * reasons of the top items costs only those.
 */
const LAZY_REASONS = Object.freeze({
  /** @this {object} */
  get() {
    return RankedState.reasonsOf(this);
  },
  /** @this {object} @param {unknown} value */
  set(value) {
    // A frozen or sealed result refuses the write, as it would for a data property (in strict code).
    if (!settleReasons(this, value)) {
      throw new TypeError("Cannot assign to read only property 'reasons' of object");
    }
  },
  enumerable: true,
  configurable: true,
});

/**
 * Whether the first n entries of `a` are all numbers (no NaN = "none given").
 * @param {Float64Array} a @param {number} n
 */
export function allNumbers(a, n) {
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (a[i] !== a[i]) return false;
  return true;
}


/**
 * The last ranking, as explain() and the result objects read it: the raw
 * result copied out of wasm memory (core-abi.js resultCopier), to which it adds
 * `ids` (by rank, set by rankedItems or from `ids`), whether it was
 * personalized, and the name tables its labels refer to.
 * @param {import('./core-abi.js').RawResult} raw @param {boolean} personal
 * @param {boolean} serverScored  every item had a serverScore
 * @param {string[][]} names  the tables its labels refer to (a later compaction replaces the mirror's arrays)
 * @param {unknown[]|null} [ids]  item ids by input index (a packed batch's)
 */
export function lastRanking(raw, personal, serverScored, names, ids = null) {
  const order = raw.order, count = order.length;
  /** @type {any[]|null} */
  let byRank = null;
  if (ids !== null) {
    byRank = new Array(count);
    for (let rank = 0; rank < count; rank++) byRank[rank] = ids[order[rank]];
  }
  return Object.assign(raw, { ids: byRank, personal, serverScored, names });
}

/**
 * The result objects of a rerank, from its last ranking; sets `last.ids`
 * (ids by rank) for explain(). `reasons` are built when first read.
 * @param {any} last @param {string[]} byIndex  item ids by input index
 */
export function rankedItems(last, byIndex) {
  const { order, score, propensity } = last;
  const count = order.length;
  const out = new Array(count);
  const ids = new Array(count);
  for (let rank = 0; rank < count; rank++) {
    const index = order[rank];
    const id = byIndex[index];
    ids[rank] = id;
    /** @type {Record<string, any>} */
    const entry = { id, score: score[rank], originalIndex: index };
    new RankedState(entry, last, rank);
    // Last (private fields are keys too): see settleReasons.
    Object.defineProperty(entry, 'reasons', LAZY_REASONS);
    const p = propensity[rank];
    if (p !== 1) entry.propensity = p;
    out[rank] = entry;
  }
  last.ids = ids;
  // console.log(result) in Node shows each item's reasons, not `[Getter/Setter]`.
  Object.defineProperty(out, INSPECT, { value: inspectResult, configurable: true, writable: true });
  return out;
}

/**
 * explain() of one item of the last ranking, or null when it was not in it.
 * @param {any} last @param {string} itemId
 * @returns {{id: string, rank: number, score: number, propensity?: number, summary: string,
 *   reasons: {kind: string, label: string, contribution: number, text: string}[]} | null}
 */
export function explainItem(last, itemId) {
  const rank = last.ids.indexOf(itemId);
  if (rank < 0) return null;
  const raw = reasonsAt(last, rank, explainedReasonOf);
  const propensity = last.propensity[rank];
  const reasons = explainReasons(raw, propensity);
  /** @type {any} */
  const out = { id: itemId, rank, score: last.score[rank], summary: reasons.map((r) => r.text).join(' '), reasons };
  if (propensity !== 1) out.propensity = propensity;
  return out;
}
