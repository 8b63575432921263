// SPDX-License-Identifier: MIT
// Type-checked only (tests/types/check.sh): a CommonJS module using the package.
import localrank = require('localrank');

const { createPersonalizer, LocalrankError, ErrorCode, LIMITS } = localrank;

async function main(): Promise<void> {
  const p: localrank.Personalizer = await createPersonalizer({ consent: { personalization: true }, storage: localrank.memoryStorage() });
  p.record({ type: 'like', topics: ['cooking'] });
  const ranked: localrank.RankedItem[] = p.rerank([{ id: 'a', topics: ['cooking'] }]);
  console.log(ranked[0]?.reasons[0]?.kind, LIMITS.maxIdLength);
  try {
    p.rerank([{ id: 'a' }, { id: 'a' }]);
  } catch (e) {
    if (!(e instanceof LocalrankError) || e.code !== ErrorCode.DUPLICATE_ID) throw e;
    const err: localrank.LocalrankError = e;
    console.log(err.field, err.index);
  }
  p.dispose();
  // The worker entry is ESM only (browsers and bundlers): CommonJS code imports it dynamically.
  const { createWorkerPersonalizer } = await import('localrank/worker');
  const w = await createWorkerPersonalizer({ seed: 1 });
  const n: number = await w.record([{ type: 'click', topics: ['travel'] }]);
  console.log(n);
  await w.dispose();
  const esm = await localrank.loadLocalrank();
  console.log(typeof esm.Personalizer);
}

void main();
