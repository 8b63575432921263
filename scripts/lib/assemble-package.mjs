// SPDX-License-Identifier: MIT
// Copies the facade sources next to the Emscripten output in wasm/dist, plus
// the README and LICENSE the package ships.
import { cpSync, readdirSync, copyFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'wasm', 'src');
const dist = join(root, 'wasm', 'dist');
for (const f of readdirSync(src)) cpSync(join(src, f), join(dist, f), { recursive: true });
for (const f of ['README.md', 'LICENSE']) {
  if (existsSync(join(root, f))) copyFileSync(join(root, f), join(root, 'wasm', f));
}
