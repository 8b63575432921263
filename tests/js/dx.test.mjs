// SPDX-License-Identifier: MIT
// Developer experience (issue 19): typos are refused with a suggestion
// instead of being ignored, times in seconds are refused with the hint, a
// site's own fields pass; errors print short and readable in Node; the traps
// of the issue (serverScore reason wording, console.log of a result, worker
// parity, a LocalrankError import that pulls in the loader) stay fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { LocalrankError, Personalizer, createPersonalizer } from 'localrank';
import { WORKER_METHODS } from 'localrank/worker';
import { make, FEED, T0 } from './helpers.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Asserts `call` throws a LocalrankError with `code` and `field` whose message
 * matches `hint`, and that the profile did not change.
 */
function refuses(p, call, code, field, hint) {
  const before = JSON.stringify(p.exportProfile());
  assert.throws(call, (e) => {
    assert.ok(e instanceof LocalrankError, `expected LocalrankError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.field, field, e.message);
    if (hint) assert.match(e.message, hint);
    return true;
  });
  assert.equal(JSON.stringify(p.exportProfile()), before, 'a refused call changes nothing');
}

test('options: an unknown key is INVALID_ARGUMENT naming it, with "did you mean" when one is close', async () => {
  const cases = [
    [{ seeed: 1 }, 'options.seeed', /did you mean `seed`\?/],
    [{ autoSaveMs: 0 }, 'options.autoSaveMs', /did you mean `autosaveMs`\?/],
    [{ wasmURL: 'x.wasm' }, 'options.wasmURL', /did you mean `wasmUrl`\?/],
    [{ consents: { personalization: true } }, 'options.consents', /did you mean `consent`\?/],
    [{ privacy: { epsilonPerReprot: 1 } }, 'options.privacy.epsilonPerReprot', /did you mean `epsilonPerReport`\?/],
    [{ banana: 1 }, 'options.banana', /is not an option \(known: storage, now, seed/],
  ];
  for (const [options, field, hint] of cases) {
    await assert.rejects(createPersonalizer(options), (e) => {
      assert.ok(e instanceof LocalrankError, String(e));
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assert.equal(e.field, field);
      assert.match(e.message, hint);
      return true;
    });
  }
  const p = await make();
  refuses(p, () => p.rerank(FEED, { diversty: 0.5 }), 'INVALID_ARGUMENT', 'options.diversty', /did you mean `diversity`\?/);
  refuses(p, () => p.rerank(FEED, { topk: 5 }), 'INVALID_ARGUMENT', 'options.topk', /did you mean `topK`\?/);
  refuses(p, () => p.rerank(FEED, { context: { hours: 8 } }), 'INVALID_ARGUMENT', 'options.context.hours', /did you mean `hour`\?/);
  refuses(p, () => p.adjust({ topics: 'cooking', preference: 'more' }), 'INVALID_ARGUMENT', 'adjust.topics', /did you mean `topic`\?/);
  assert.throws(() => p.profile({ limit: 3 }), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.limit' && /known: top/.test(e.message));
  p.dispose();
});

test('events: near misses of known keys are INVALID_EVENT with the suggestion, and nothing is stored', async () => {
  const p = await make();
  p.record({ type: 'like', itemId: 'seed', topics: { cooking: 1 } });
  const cases = [
    [{ type: 'click', itemID: 'p1' }, 'event.itemID', /did you mean `itemId`\?/],
    [{ type: 'like', itemId: 'p1', topic: 'cooking' }, 'event.topic', /did you mean `topics`\?/],
    [{ type: 'like', itemId: 'p1', creator: 'c1' }, 'event.creator', /did you mean `creatorId`\?/],
    [{ type: 'dwell', itemId: 'p1', dwell: 3000 }, 'event.dwell', /did you mean `dwellMs`\?/],
    [{ type: 'click', itemId: 'p1', item_id: 'p1' }, 'event.item_id', /did you mean `itemId`\?/],
    [{ type: 'click', itemId: 'p1', contxt: { hour: 3 } }, 'event.contxt', /did you mean `context`\?/],
  ];
  for (const [event, field, hint] of cases) refuses(p, () => p.record(event), 'INVALID_EVENT', field, hint);
  // In a batch: the index, and nothing of the batch is stored.
  refuses(p, () => p.record([{ type: 'click', itemId: 'a' }, { type: 'click', itemID: 'b' }]), 'INVALID_EVENT', 'events[1].itemID', /`itemId`/);
  // Through a variable or .map(), where TypeScript does not look.
  const clicks = ['a', 'b'].map((id) => ({ type: 'click', ItemId: id }));
  refuses(p, () => p.record(clicks), 'INVALID_EVENT', 'events[0].ItemId', /`itemId`/);
  p.dispose();
});

test('a key that is a site field on items is still a near miss on events (verdicts are per kind of object)', async () => {
  const p = await make();
  // `itemID` is no near miss of an item field (an item has `id`): a site may call its own field so.
  assert.equal(p.rerank([{ id: 'a', itemID: 'x' }, { id: 'b', itemID: 'y' }]).length, 2);
  refuses(p, () => p.record({ type: 'click', itemID: 'a' }), 'INVALID_EVENT', 'event.itemID', /did you mean `itemId`\?/);
  p.dispose();
});

test('an event that names no item, topic, creator or embedding is INVALID_EVENT', async () => {
  const p = await make();
  refuses(p, () => p.record({ type: 'click' }), 'INVALID_EVENT', 'event', /names no item, topic or creator/);
  refuses(p, () => p.record({ type: 'like', id: 'p1' }), 'INVALID_EVENT', 'event', /did you mean `itemId`, not `id`\?/);
  refuses(p, () => p.record({ type: 'like', topics: {} }), 'INVALID_EVENT', 'event', /names no item/);
  // Each of them alone is enough.
  assert.equal(p.record([{ type: 'click', itemId: 'p1' }, { type: 'like', topics: ['x'] }, { type: 'follow', creatorId: 'c' }]), 3);
  p.dispose();
});

test('items: near misses are INVALID_ITEM with the suggestion; a site\'s own fields pass', async () => {
  const p = await make();
  const cases = [
    [{ id: 'a', topic: 'cooking' }, 'items[0].topic', /did you mean `topics`\?/],
    [{ id: 'a', creator: 'c1' }, 'items[0].creator', /did you mean `creatorId`\?/],
    [{ id: 'a', publishedat: T0 }, 'items[0].publishedat', /did you mean `publishedAt`\?/],
    [{ id: 'a', published_at: T0 }, 'items[0].published_at', /did you mean `publishedAt`\?/],
    [{ id: 'a', serverscore: 1 }, 'items[0].serverscore', /did you mean `serverScore`\?/],
    [{ id: 'a', embeddings: [1] }, 'items[0].embeddings', /did you mean `embedding`\?/],
    [{ id: 'a', pined: true }, 'items[0].pined', /did you mean `pinned`\?/],
    [{ ID: 'a' }, 'items[0].ID', /did you mean `id`\?/],
    [{ Id: 'a', topics: ['x'] }, 'items[0].Id', /did you mean `id`\?/],
  ];
  for (const [item, field, hint] of cases) {
    refuses(p, () => p.rerank([{ id: 'ok', topics: ['x'] }, { ...item }].reverse()), 'INVALID_ITEM', field, hint);
  }
  // The same shape as the item before, then a typo: the cached shape does not hide it.
  const feed = Array.from({ length: 50 }, (_, i) => ({ id: `p${i}`, topics: ['x'], title: `t${i}` }));
  feed[37] = { id: 'p37', topic: 'x', title: 't37' };
  refuses(p, () => p.rerank(feed), 'INVALID_ITEM', 'items[37].topic', /`topics`/);
  // What sites put on items: none of these is a near miss.
  const site = {
    title: 'Pasta', url: 'https://example.com/p', author: 'Ann', authorId: 'u1', image: 'x.png', tags: ['food'], likes: 3,
    createdAt: T0, updatedAt: T0, category: 'food', type: 'post', kind: 'video', slug: 'pasta', score: 2, text: '...',
    creatorName: 'Ann', lang: 'en', views: 10, comments: [], duration: 30, thumbnail: 't.png', itemType: 'post',
  };
  const ranked = p.rerank(FEED.map((it) => ({ ...site, ...it })));
  assert.equal(ranked.length, FEED.length);
  p.dispose();
});

test('publishedAt and at before 2001 (times in seconds) are refused with the hint; ms pass', async () => {
  const p = await make();
  const seconds = Math.floor(T0 / 1000);
  refuses(p, () => p.rerank([{ id: 'a', publishedAt: seconds }]), 'INVALID_ITEM', 'items[0].publishedAt', /looks like seconds; multiply by 1000/);
  refuses(p, () => p.record({ type: 'like', itemId: 'a', at: seconds }), 'INVALID_EVENT', 'event.at', /looks like seconds/);
  refuses(p, () => p.record([{ type: 'like', itemId: 'a' }, { type: 'like', itemId: 'a', at: -1 }]), 'INVALID_EVENT', 'events[1].at', /after 2001/);
  refuses(p, () => p.rerankPacked({ topicOffsets: Int32Array.of(0, 0), topicIds: new Int32Array(0), publishedAt: Float64Array.of(seconds) }),
    'INVALID_ITEM', 'items[0].publishedAt', /looks like seconds/);
  assert.equal(p.rerank([{ id: 'a', publishedAt: T0 - 1000 }]).length, 1);
  assert.equal(p.rerankPacked({ topicOffsets: Int32Array.of(0, 0), topicIds: new Int32Array(0), publishedAt: Float64Array.of(NaN) }).order.length, 1);
  p.dispose();
});

test('the server reason says what it is: the site\'s score when every item has serverScore, else the position', async () => {
  const p = await make();
  const scored = p.rerank(FEED);
  assert.equal(scored[0].reasons.find((r) => r.kind === 'server').label, "the site's score (serverScore)");
  assert.match(p.explain(scored[0].id).summary, /The site's own score for it \(serverScore\)/);
  const positional = p.rerank(FEED.map(({ serverScore, ...rest }) => rest));
  assert.equal(positional[0].reasons.find((r) => r.kind === 'server').label, 'position in the original feed');
  assert.match(p.explain(positional[0].id).summary, /Its place in the original feed/);
  p.dispose();
});

test('console.log(result) shows each item\'s reasons, not [Getter/Setter]', async () => {
  const p = await make();
  const result = p.rerank(FEED);
  const text = inspect(result, { depth: 4 });
  assert.doesNotMatch(text, /Getter|Setter/);
  assert.match(text, /reasons: \[\s*\{\s*kind: 'server'/);
  assert.deepEqual(Object.keys(result[0]), ['id', 'score', 'originalIndex', 'reasons']);
  assert.deepEqual(JSON.parse(JSON.stringify(result)), result.map((r) => ({ ...r })), 'data as before');
  p.dispose();
});

test('localrank/worker forwards every public Personalizer method', () => {
  const own = Object.getOwnPropertyNames(Personalizer.prototype)
    .filter((n) => n !== 'constructor' && !n.startsWith('_') && typeof Object.getOwnPropertyDescriptor(Personalizer.prototype, n).value === 'function');
  // on and dispose are the worker facade's own (handlers run in the page; dispose stops the worker).
  const expected = own.filter((n) => n !== 'on' && n !== 'dispose').sort();
  const consent = Object.keys(Object.getOwnPropertyDescriptor(Personalizer.prototype, 'consent') ? { get: 1, set: 1 } : {}).map((k) => `consent.${k}`);
  assert.deepEqual([...WORKER_METHODS].sort(), [...expected, ...consent].sort());
});

test('an uncaught LocalrankError in Node prints under 2 KB, naming LocalrankError and the caller\'s file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'localrank-uncaught-'));
  try {
    const file = join(dir, 'my-feed.mjs');
    writeFileSync(file, "import { createPersonalizer } from 'localrank';\nconst p = await createPersonalizer();\np.rerank([{ id: 'a' }, { id: 'a' }]);\n");
    // The built package, installed as an app would have it.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'wasm'), join(dir, 'node_modules', 'localrank'), 'dir');
    const { stderr, status } = spawnSync(process.execPath, [file], { encoding: 'utf8', cwd: dir });
    assert.equal(status, 1);
    assert.notEqual(stderr, '');
    assert.ok(Buffer.byteLength(stderr) < 2048, `${Buffer.byteLength(stderr)} bytes:\n${stderr}`);
    assert.match(stderr, /LocalrankError: items\[1\]\.id "a" repeats items\[0\]\.id/);
    assert.match(stderr, /my-feed\.mjs:3/);
    assert.doesNotMatch(stderr, /\bE \[LocalrankError\]|at [A-Za-z]{1,2} \(/, 'names intact');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('importing only LocalrankError from localrank (a worker app\'s main bundle) does not pull in the loader or the glue', async () => {
  const out = await build({
    stdin: { contents: "import { LocalrankError } from 'localrank';\nconsole.log(new LocalrankError('INVALID_ITEM', 'x') instanceof LocalrankError);\n", resolveDir: ROOT },
    bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent',
  });
  const text = out.outputFiles[0].text;
  assert.doesNotMatch(text, /WebAssembly|instantiateWasm|_localrank_/, 'no loader, glue or core bindings');
  assert.ok(text.length < 3000, `${text.length} bytes`);
  execFileSync(process.execPath, ['--input-type=module', '-e', text]);
});

test('a .wasm that cannot be loaded in Node: WASM_LOAD_FAILED naming the file or the bytes, and the fix', async () => {
  const missing = new URL('no-such-core.wasm', import.meta.resolve('localrank'));
  await assert.rejects(createPersonalizer({ wasmUrl: missing }), (e) => {
    assert.ok(e instanceof LocalrankError);
    assert.equal(e.code, 'WASM_LOAD_FAILED');
    assert.equal(e.field, 'options.wasmUrl');
    assert.match(e.message, /no-such-core\.wasm could not be read \(ENOENT\)/);
    assert.match(e.message, /`wasmUrl`/);
    return true;
  });
  const html = new TextEncoder().encode('<!doctype html><html><body>Not found</body></html>');
  await assert.rejects(createPersonalizer({ wasmBinary: html }), (e) => e.code === 'WASM_LOAD_FAILED' && e.field === 'options.wasmBinary' &&
    /is not WebAssembly: it starts with "<!doctype html><html><bo"/.test(e.message) && !/Aborted|magic word/.test(e.message));
  const truncated = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1]);
  await assert.rejects(createPersonalizer({ wasmBinary: truncated }), (e) => e.code === 'WASM_LOAD_FAILED' && /could not be compiled/.test(e.message));
  await assert.rejects(createPersonalizer({ wasmBinary: 42 }), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.wasmBinary');
});
