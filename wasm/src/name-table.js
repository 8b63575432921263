// SPDX-License-Identifier: MIT
// The facade's mirror of the core's three name tables (topics, creators,
// context keys): names cross the boundary once, as ids afterwards.
import { KIND } from './core-buffers.js';
import { FRESH, growI32 } from './items.js';

/**
 * The core's name tables keep every topic, creator and context name ever
 * seen; past this many (or twice what the profile refers to after the last
 * compaction) the names the profile no longer uses are dropped.
 */
const MIN_NAMES_BEFORE_COMPACTION = 4096;

/**
 * An empty name -> id table without a prototype (so that names such as
 * `constructor` or `__proto__` are ordinary keys).
 * @returns {Record<string, number>}
 */
function nameIndex() {
  return Object.create(null);
}

export class NameTable {
  /** @type {import('./core-abi.js').EngineCore} */
  #engine;
  /** @type {Map<string, number>[]} */
  ids = [new Map(), new Map(), new Map()];
  /** @type {string[][]} */
  names = [[], [], []];
  /**
   * The same name -> id tables as `ids`, as prototype-less objects: reading
   * one by a property key is several times faster than Map#get, which
   * matters for the 8,000 topic names of a 1,000-item rerank.
   */
  index = [nameIndex(), nameIndex(), nameIndex()];
  #compactAt = MIN_NAMES_BEFORE_COMPACTION;
  /** Set once topicId()/creatorId() handed out an id: ids must then stay stable, so no compaction. */
  #idsHandedOut = false;
  // Scratch ids of resolve(), grown geometrically and reused.
  #topicIds = new Int32Array(0);
  #creatorIds = new Int32Array(0);
  #contextIds = new Int32Array(0);

  /** @param {import('./core-abi.js').EngineCore} engine */
  constructor(engine) {
    this.#engine = engine;
  }

  /** Rebuilds the mirror from the core (after import or reset). */
  sync() {
    for (let kind = 0; kind < 3; kind++) {
      const joined = this.#engine.names(kind);
      const list = joined === '' ? [] : joined.split('\0');
      const ids = new Map();
      for (let i = 0; i < list.length; i++) ids.set(list[i], i);
      this.names[kind] = list;
      this.ids[kind] = ids;
      const index = (this.index[kind] = nameIndex());
      for (let i = 0; i < list.length; i++) index[list[i]] = i;
    }
  }

  /** Interns names (one boundary crossing for all new ones). @param {number} kind @param {string[]} names */
  intern(kind, names) {
    const ids = this.ids[kind];
    /** @type {string[]|null} */ let fresh = null;
    /** @type {Set<string>|null} */ let pending = null;
    for (let i = 0; i < names.length; i++) {
      const n = names[i];
      if (ids.has(n)) continue;
      pending ??= new Set();
      if (!pending.has(n)) { pending.add(n); (fresh ??= []).push(n); }
    }
    if (fresh === null) return;
    const size = this.#engine.internMany(kind, fresh.join('\0'));
    const list = this.names[kind], index = this.index[kind];
    for (const n of fresh) { ids.set(n, list.length); index[n] = list.length; list.push(n); }
    if (size !== list.length) this.sync();
  }

  /** The ids of interned names. @param {number} kind @param {string[]} names */
  idsOf(kind, names) {
    const ids = this.ids[kind];
    return names.map((n) => /** @type {number} */ (ids.get(n)));
  }

  /**
   * The id of a name for rerankPacked (interned on first use); from then on
   * ids are promised stable, so names are no longer compacted.
   * @param {number} kind @param {string} name
   */
  handOut(kind, name) {
    this.#idsHandedOut = true;
    const id = this.ids[kind].get(name);
    if (id !== undefined) return id;
    this.intern(kind, [name]);
    return /** @type {number} */ (this.ids[kind].get(name));
  }

  /**
   * Resolves the topic, creator (and context) names of normalized events to
   * ids in one pass, into scratch arrays reused between calls (-1 = no
   * creator). New names are interned with one crossing per table.
   * @param {{topicNames: string[], creatorId: string|null, contextKeys?: string[]}[]} list
   */
  resolve(list) {
    const n = list.length;
    let nt = 0, nc = 0;
    for (let i = 0; i < n; i++) {
      nt += list[i].topicNames.length;
      const keys = list[i].contextKeys;
      if (keys !== undefined) nc += keys.length;
    }
    const tIds = (this.#topicIds = growI32(this.#topicIds, nt));
    const cIds = (this.#creatorIds = growI32(this.#creatorIds, n));
    const xIds = (this.#contextIds = growI32(this.#contextIds, nc));
    const topics = this.ids[KIND.TOPIC], creators = this.ids[KIND.CREATOR], contexts = this.ids[KIND.CONTEXT];
    /** @type {string[]|null} */ let freshT = null;
    /** @type {string[]|null} */ let freshC = null;
    /** @type {string[]|null} */ let freshX = null;
    let t = 0, x = 0;
    for (let i = 0; i < n; i++) {
      const e = list[i];
      const names = e.topicNames;
      for (let k = 0; k < names.length; k++, t++) {
        const id = topics.get(names[k]);
        if (id === undefined) { (freshT ??= []).push(names[k]); tIds[t] = -2; } else tIds[t] = id;
      }
      const c = e.creatorId;
      if (c === null) cIds[i] = -1;
      else {
        const id = creators.get(c);
        if (id === undefined) { (freshC ??= []).push(c); cIds[i] = -2; } else cIds[i] = id;
      }
      const keys = e.contextKeys;
      if (keys !== undefined) {
        for (let k = 0; k < keys.length; k++, x++) {
          const id = contexts.get(keys[k]);
          if (id === undefined) { (freshX ??= []).push(keys[k]); xIds[x] = -2; } else xIds[x] = id;
        }
      }
    }
    // Rare after warm-up: intern the new names, then fill in their ids.
    if (freshT !== null || freshC !== null || freshX !== null) {
      if (freshT !== null) this.intern(KIND.TOPIC, freshT);
      if (freshC !== null) this.intern(KIND.CREATOR, freshC);
      if (freshX !== null) this.intern(KIND.CONTEXT, freshX);
      t = 0; x = 0;
      for (let i = 0; i < n; i++) {
        const e = list[i];
        for (let k = 0; k < e.topicNames.length; k++, t++) if (tIds[t] === -2) tIds[t] = /** @type {number} */ (topics.get(e.topicNames[k]));
        if (cIds[i] === -2) cIds[i] = /** @type {number} */ (creators.get(/** @type {string} */ (e.creatorId)));
        const keys = e.contextKeys;
        if (keys !== undefined) for (let k = 0; k < keys.length; k++, x++) if (xIds[x] === -2) xIds[x] = /** @type {number} */ (contexts.get(keys[k]));
      }
    }
    return { nt, nc, topicIds: tIds, creatorIds: cIds, contextIds: xIds };
  }

  /**
   * Drops names the profile no longer refers to once the tables have grown
   * past #compactAt; keeps wasm memory bounded over a long session. Not after
   * handOut() (its ids are promised stable). Returns the name tables as they
   * were when it renumbered them, else null.
   * @returns {string[][]|null}
   */
  compact() {
    if (this.#idsHandedOut) return null;
    // The mirror holds as many names as the core's tables (intern and sync keep them equal):
    // no call into the core on every record and rerank.
    const names = this.names;
    if (names[0].length + names[1].length + names[2].length <= this.#compactAt) return null;
    const before = [...names];
    const compacted = this.#engine.compactNames();
    if (compacted) this.sync();
    this.#compactAt = Math.max(MIN_NAMES_BEFORE_COMPACTION, 2 * this.#engine.nameCount());
    return compacted ? before : null;
  }

  /**
   * Interns the names readItems found new (one crossing per table) and fills
   * in their ids.
   * @param {import('./items.js').ItemScratch} s
   */
  internItems(s) {
    if (s.freshTopics.length > 0) {
      this.intern(KIND.TOPIC, s.freshTopics);
      const ids = this.ids[KIND.TOPIC], at = s.freshTopicAt, names = s.freshTopics, tIds = s.topicIds;
      for (let j = 0; j < at.length; j++) tIds[at[j]] = /** @type {number} */ (ids.get(names[j]));
    }
    if (s.freshCreators.length > 0) {
      this.intern(KIND.CREATOR, s.freshCreators);
      const ids = this.ids[KIND.CREATOR], at = s.freshCreatorAt, names = s.freshCreators, cIds = s.creators;
      for (let j = 0; j < at.length; j++) cIds[at[j]] = /** @type {number} */ (ids.get(names[j]));
    }
  }

  /**
   * After a compaction renumbered the name tables: maps the ids readItems
   * resolved against `oldNames` to the new ids; names the compaction dropped
   * become new names again.
   * @param {import('./items.js').ItemScratch} s @param {string[][]} oldNames
   */
  remapItems(s, oldNames) {
    /** @param {Int32Array} a @param {number} count @param {number} kind @param {string[]} fresh @param {number[]} freshAt */
    const remap = (a, count, kind, fresh, freshAt) => {
      const names = oldNames[kind], ids = this.ids[kind];
      for (let k = 0; k < count; k++) {
        if (a[k] < 0) continue;
        const name = names[a[k]];
        const id = ids.get(name);
        if (id === undefined) { a[k] = FRESH; fresh.push(name); freshAt.push(k); } else a[k] = id;
      }
    };
    remap(s.topicIds, s.nt, KIND.TOPIC, s.freshTopics, s.freshTopicAt);
    remap(s.creators, s.n, KIND.CREATOR, s.freshCreators, s.freshCreatorAt);
  }
}
