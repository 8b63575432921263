// SPDX-License-Identifier: MIT
// Type-checked only (tests/types/check.sh): an ES module using the public API
// as an app would, including error handling and the Web Worker entry.
import {
  createPersonalizer, LocalrankError, ErrorCode, LIMITS, EVENT_TYPES, memoryStorage,
  type Item, type InteractionEvent, type RankedItem, type ProfileView, type PersonalizerOptions,
  type StorageAdapter, type StoredValue, type ErrorCodeName, type Personalizer,
  webStorage, indexedDBStorage, type StorageKind, type ProfileResetReason, type ProfileResetDetail, type SyncDetail,
} from 'localrank';
import { createWorkerPersonalizer, WORKER_METHODS, type WorkerPersonalizer } from 'localrank/worker';

const storage: StorageAdapter = memoryStorage();
const options: PersonalizerOptions = {
  storage, seed: 42, dim: 0, consent: { personalization: true }, autosaveMs: 0,
  now: () => Date.now(), config: { longHalfLifeMs: 7 * 86400e3, eventWeights: { like: 2 } },
  on: { 'profile-reset': (d) => console.warn('profile reset', d) },
  wasmUrl: new URL('https://cdn.example/localrank_core.wasm'),
  reportWasmUrl: 'https://cdn.example/localrank_core_reports.wasm',
};

const items: Item[] = [
  { id: 'p1', topics: { cooking: 1 }, creatorId: 'c1', publishedAt: Date.now(), serverScore: 0.8 },
  { id: 'p2', topics: ['travel'], pinned: true, embedding: new Float32Array(0) },
];
const events: InteractionEvent[] = [
  { type: 'click', itemId: 'p1', topics: { cooking: 1 } },
  { type: 'dwell', itemId: 'p1', dwellMs: 12000, expectedMs: 8000, context: { hour: 8, intent: 'commute' } },
];

async function main(): Promise<void> {
  const p: Personalizer = await createPersonalizer(options);
  const stored: number = p.record(events);
  const ranked: RankedItem[] = p.rerank(items, { strength: 1, diversity: 0.3, exploration: 0, calibration: true, context: { hour: 8 }, topK: 50 });
  for (const r of ranked) console.log(r.id, r.score.toFixed(2), r.originalIndex, r.reasons.map((x) => `${x.kind}:${x.label}`), r.propensity ?? 1);
  const adjusted: boolean = p.adjust({ topic: 'politics', preference: 'never' });
  // @ts-expect-error adjust takes a topic or a creatorId, not both
  p.adjust({ topic: 'politics', creatorId: 'c1', preference: 'less' });
  const view: ProfileView = p.profile({ top: 5 });
  console.log(adjusted, view.preferences.topics['politics']);
  console.log(stored, view.topics[0]?.name, view.consent.personalization);
  p.importProfile(p.exportProfile());
  const off = p.on('error', (e) => console.error(e));
  off();
  // Storage kinds, typed event details, the built-in adapters (docs/storage.md).
  const reason: ProfileResetReason = 'checksum';
  const stored2 = await createPersonalizer({
    storage: 'indexedDB',
    on: { 'profile-reset': (d: ProfileResetDetail) => console.warn(d.reason === reason, d.message), sync: (d) => console.log(d.seq) },
  });
  stored2.on('sync', (d: SyncDetail) => console.log(d.seq));
  stored2.on('error', (e) => console.log(e.code, e.field));
  const adapters: StorageAdapter[] = [webStorage(), webStorage(sessionStorage), indexedDBStorage({ name: 'app' })];
  // An adapter written for strings only still fits; one that also stores bytes says so.
  const texts = new Map<string, string>();
  adapters.push({ get: (k: string) => texts.get(k) ?? null, set: (k: string, v: string) => { texts.set(k, v); }, delete: (k: string) => { texts.delete(k); } });
  const values = new Map<string, StoredValue>();
  adapters.push({ binary: true, get: (k) => values.get(k), set: (k, v) => { values.set(k, v); }, delete: (k) => { values.delete(k); } });
  const kind: StorageKind = 'localStorage';
  console.log(adapters.length, kind);
  stored2.dispose();
  await p.flush();
  try {
    p.rerank([{ id: 'x' }, { id: 'x' }]);
  } catch (e) {
    if (e instanceof LocalrankError) {
      const code: ErrorCodeName | string = e.code;
      if (e.code === ErrorCode.DUPLICATE_ID) console.log(code, e.field, e.index);
    } else {
      throw e;
    }
  }
  p.dispose();
  console.log(LIMITS.maxItemsPerCall, EVENT_TYPES.includes('like'));

  const w: WorkerPersonalizer = await createWorkerPersonalizer({ ...options, worker: new URL('./worker-thread.mjs', import.meta.url) });
  const n: number = await w.record({ type: 'like', topics: ['cooking'] });
  const wr: RankedItem[] = await w.rerank(items, { strength: 0.5 });
  const wp: ProfileView = await w.profile();
  const wAdjusted: boolean = await w.adjust({ creatorId: 'c1', preference: 'more' });
  console.log(wAdjusted);
  await w.importProfile(await w.exportProfile());
  await w.flush();
  w.on('profile-reset', () => {});
  // A relay as plain data (or the one createOhttpRelay made), a token function called in the page.
  const schedule = await w.scheduleAggregateReports('https://collector.example/v1/reports', {
    relay: { url: 'https://relay.example/', keyConfig: new Uint8Array(0) }, token: async () => 'PrivateToken token="t"', auto: false,
  });
  const nextAt: number | null = schedule.nextAt;
  const due = await schedule.runDue();
  schedule.stop();
  console.log(nextAt, due?.status);
  await w.rerank([{ id: 'x' }, { id: 'x' }]).catch((e: unknown) => {
    if (e instanceof LocalrankError && e.code === 'DUPLICATE_ID') return [];
    throw e;
  });
  await w.dispose();
  console.log(n, wr.length, wp.totalEvents, WORKER_METHODS.length);
  {
    await using scoped = await createWorkerPersonalizer();
    await scoped.rerank(items);
  }
  // @ts-expect-error rerank in a worker is async: its result is a promise, not an array
  const wrong: RankedItem[] = w.rerank(items);
  console.log(wrong);
}

void main();
