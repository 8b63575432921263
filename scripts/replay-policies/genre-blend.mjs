// SPDX-License-Identifier: MIT
// An example of a policy module for the replay (EVALUATION.md, "Replay on real
// logs"), and a reference row: the single global hand-set blend issue 17
// quotes for scale, popularity + 0.25 x cosine(item genres, the person's
// liked-genre vector). The liked-genre vector counts the genres of every
// movie the person liked (training likes, then the test likes recorded so
// far); an item's genres are a 0/1 vector.
//
//   node scripts/evaluate.mjs --replay movielens DIR --policy-module scripts/replay-policies/genre-blend.mjs
//
// A module's default export receives { replay, seed, protocol,
// createPersonalizer } and returns one policy or a list of them.

/** @param {{ replay: { items: Map<string, { genres: string[], serverScore: number }> } }} ctx */
export default function genreBlend({ replay }, weight = 0.25) {
  const { items } = replay;
  let liked = new Map();
  let norm = 0;
  const onEvent = (e) => {
    if (e.type !== 'like') return;
    for (const g of e.topics) liked.set(g, (liked.get(g) ?? 0) + 1);
    norm = Math.sqrt([...liked.values()].reduce((s, x) => s + x * x, 0));
  };
  const cosine = (genres) => {
    if (!norm || genres.length === 0) return 0;
    let dot = 0;
    for (const g of genres) dot += liked.get(g) ?? 0;
    return dot / (norm * Math.sqrt(genres.length));
  };
  return {
    name: `example: popularity + ${weight} x liked-genre cosine`,
    startUser(task) { liked = new Map(); norm = 0; for (const e of task.train) onEvent(e); },
    rank(step) {
      return step.candidates.map((id, i) => {
        const it = items.get(id);
        return { id, i, s: it.serverScore + weight * cosine(it.genres) };
      }).sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.id);
    },
    record: onEvent,
  };
}
