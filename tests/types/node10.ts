// SPDX-License-Identifier: MIT
// `moduleResolution: "node"` (node10, no "exports" support): the subpath
// entries resolve through package.json "typesVersions" (issue 19: TS2307 before).
import { createPersonalizer, LocalrankError } from 'localrank';
import { createWorkerPersonalizer, WORKER_METHODS, type WorkerPersonalizer } from 'localrank/worker';
import { createAggregator } from 'localrank/server';

export async function main(): Promise<void> {
  const p = await createPersonalizer({ consent: { personalization: true } });
  const ranked = p.rerank([{ id: 'a', topics: ['x'] }]);
  const first: string | undefined = ranked[0]?.id;
  const w: WorkerPersonalizer = await createWorkerPersonalizer({ worker: '/localrank-worker.js' });
  const explained = await w.explain('a');
  const id: number = await w.topicId('x');
  const methods: readonly string[] = WORKER_METHODS;
  const agg = await createAggregator({ taxonomy: ['x'] });
  if (!(new LocalrankError('INVALID_ITEM', 'x') instanceof Error)) throw new Error(String([first, explained, id, methods, agg]));
}
