// SPDX-License-Identifier: MIT
// Type-checked only: the package's types must not need lib esnext or DOM
// beyond what a Node or browser project has anyway (here: es2022 + dom).
import { createPersonalizer } from 'localrank';
import { createWorkerPersonalizer } from 'localrank/worker';

const p = await createPersonalizer();
p[Symbol.dispose]();
const w = await createWorkerPersonalizer();
await w[Symbol.asyncDispose]();
