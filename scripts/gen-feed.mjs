#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Generates the demo feed deterministically (no network): posts with titles,
// snippets, SVG thumbnails and avatars (inline), ages, engagement counts and server scores.
// Ages are relative (`ageMs`): the page turns them into timestamps when it loads,
// so the feed looks fresh on any day.
// Usage: node scripts/gen-feed.mjs [OUT_DIR]   (default web-demo/public/data)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './lib/prng.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? join(root, 'web-demo', 'public', 'data');

const rand = rng(20261123);
const pick = (arr) => arr[Math.floor(rand() * arr.length)];

export const TOPICS = {
  cooking: ['One-pan dinners', 'Sourdough at home', 'Knife skills', 'Weeknight pasta', 'Spice pantry basics'],
  baking: ['Laminated dough', 'Gluten-free cakes', 'Perfect pie crust', 'Cookie science', 'Bread scoring'],
  fitness: ['Zone 2 cardio', 'Mobility routine', 'Kettlebell flows', 'Home HIIT', 'Recovery days'],
  running: ['First half marathon', 'Trail shoes tested', 'Tempo runs', 'Running in the rain', 'Race-day pacing'],
  travel: ['Night trains', 'Packing light', 'Hidden coastal towns', 'Budget city breaks', 'Slow travel'],
  outdoors: ['Wild camping', 'Map reading', 'Winter hikes', 'Bird watching', 'Leave no trace'],
  tech: ['Browser internals', 'WebAssembly today', 'Local-first apps', 'Keyboard shortcuts', 'Open hardware'],
  programming: ['Refactoring safely', 'Property-based tests', 'Rust vs C++', 'Fast JSON parsing', 'Code review'],
  science: ['Tiny telescopes', 'Ocean currents', 'Cell biology', 'Why the sky is blue', 'Quantum basics'],
  space: ['Mars rovers', 'Launch season', 'Exoplanet hunting', 'Living on the ISS', 'Solar storms'],
  music: ['Home recording', 'Jazz chords', 'Vinyl care', 'Synth patches', 'Film scores'],
  film: ['Director spotlights', 'Practical effects', 'Festival picks', 'Silent classics', 'Sound design'],
  books: ['Reading slumps', 'Short story picks', 'Library hacks', 'Translated fiction', 'Annotating'],
  gaming: ['Cozy games', 'Speedrun tricks', 'Indie gems', 'Board game nights', 'Retro consoles'],
  finance: ['Budgeting apps', 'Index funds', 'Saving for a home', 'Side projects', 'Frugal living'],
  parenting: ['Bedtime routines', 'Screen time', 'Family meals', 'School mornings', 'Toddler play'],
  pets: ['Puppy training', 'Cat enrichment', 'Adopting seniors', 'Pet first aid', 'Aquarium setups'],
  gardening: ['Balcony herbs', 'Composting', 'Seed starting', 'Native plants', 'Pruning roses'],
  design: ['Typography', 'Color palettes', 'Accessible UI', 'Sketching ideas', 'Design systems'],
  photography: ['Golden hour', 'Street portraits', 'Film cameras', 'Editing presets', 'Phone macro'],
  politics: ['Local elections', 'Policy explainers', 'Town hall notes', 'Debate recap', 'Civic tech'],
  climate: ['Heat pumps', 'Community solar', 'Bike lanes', 'Repair cafés', 'Low-waste kitchen'],
  fashion: ['Capsule wardrobe', 'Thrift finds', 'Mending clothes', 'Sneaker care', 'Seasonal colors'],
  comedy: ['Stand-up clips', 'Improv games', 'Sketch writing', 'Funny fails', 'Comedy podcasts'],
};
const topicNames = Object.keys(TOPICS);

const FIRST = ['Ada', 'Bo', 'Cleo', 'Dev', 'Eli', 'Fen', 'Gus', 'Hana', 'Iris', 'Jun', 'Kai', 'Lea', 'Milo', 'Nia',
  'Omar', 'Pia', 'Quin', 'Rae', 'Sol', 'Tao', 'Uma', 'Vic', 'Wren', 'Yara'];
const LAST = ['Kitchen', 'Trails', 'Lab', 'Studio', 'Notes', 'Daily', 'Works', 'Corner', 'Journal', 'Weekly'];
const SNIPPETS = [
  'A short, practical guide with the mistakes I made so you can skip them.',
  'What changed after a month of trying this every day.',
  'Five things nobody told me when I started.',
  'A calm, step-by-step walk-through for beginners.',
  'Field notes, photos and a checklist you can save.',
  'Answers to the questions readers asked most this week.',
  'The cheap version, the fancy version, and which one is worth it.',
  'A thread of ideas worth stealing for your weekend.',
];

const SENTENCES = [
  'I started with the simplest setup I could find and added one thing at a time.',
  'The biggest difference came from doing it a little every day rather than a lot once a week.',
  'Most guides skip the boring part, so here it is in detail.',
  'A friend pointed out the mistake I kept making, and it changed everything.',
  'If you only try one idea from this post, make it the second one.',
  'The cheap option was good enough for the first month.',
  'Readers sent great tips after the last post; the best ones are below.',
  'It took three attempts before it felt natural.',
  'Here is the checklist I now keep on my phone.',
  'Nothing here needs special equipment or a big budget.',
];

/**
 * Images travel inside posts.json as data: URIs: fetching them one by one as
 * posts appear would tell the server the personalized order and how far the
 * person scrolled.
 * @param {string} svg
 */
const GENERATED_AT = Date.UTC(2026, 10, 23, 8, 0, 0);

const dataUri = (svg) => `data:image/svg+xml,${encodeURIComponent(svg)}`;

function main() {
  mkdirSync(out, { recursive: true });
  const creators = [];
  for (let i = 0; i < 48; i++) {
    const home = topicNames[i % topicNames.length];
    const second = topicNames[(i * 7 + 3) % topicNames.length];
    const id = `creator-${String(i + 1).padStart(2, '0')}`;
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 3) % LAST.length]}`;
    const hue = Math.round((i * 137.5) % 360);
    const initials = name.split(' ').map((w) => w[0]).join('');
    const avatar = dataUri(`<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">` +
      `<circle cx="20" cy="20" r="20" fill="hsl(${hue},45%,38%)"/>` +
      `<text x="20" y="25.5" font-family="sans-serif" font-size="15" font-weight="600" text-anchor="middle" fill="#fff">${initials}</text></svg>`);
    creators.push({ id, name, home, second, avatar });
  }
  /** @type {Record<string, string>} */
  const thumbs = {};
  topicNames.forEach((t, i) => {
    const hue = Math.round((i * 360) / topicNames.length);
    thumbs[t] = dataUri(`<svg xmlns="http://www.w3.org/2000/svg" width="160" height="100" viewBox="0 0 160 100" role="img" aria-label="${t}">` +
      `<rect width="160" height="100" fill="hsl(${hue},55%,88%)"/>` +
      `<circle cx="${40 + (i * 13) % 80}" cy="50" r="28" fill="hsl(${hue},60%,62%)"/>` +
      `<rect x="${70 - (i * 7) % 40}" y="58" width="70" height="22" rx="6" fill="hsl(${(hue + 40) % 360},50%,45%)"/>` +
      `<text x="80" y="22" font-family="sans-serif" font-size="14" text-anchor="middle" fill="hsl(${hue},40%,25%)">${t}</text></svg>`);
  });
  const posts = [];
  for (let i = 0; i < 360; i++) {
    const creator = pick(creators);
    const main = rand() < 0.7 ? creator.home : rand() < 0.6 ? creator.second : pick(topicNames);
    const topics = { [main]: 1 };
    if (rand() < 0.4) {
      const other = pick(topicNames);
      if (other !== main) topics[other] = Math.round((0.2 + rand() * 0.5) * 100) / 100;
    }
    const title = `${pick(TOPICS[main])}: ${pick(['a guide', 'what I learned', 'in 5 minutes', 'done right', 'for beginners', 'the honest review'])}`;
    posts.push({
      id: `post-${String(i + 1).padStart(3, '0')}`,
      title,
      snippet: pick(SNIPPETS),
      topics,
      creatorId: creator.id,
      creatorName: creator.name,
      ageMs: 5 * 60 * 1000 + Math.floor(rand() * 3 * 24 * 3600 * 1000),
      serverScore: Math.round(rand() * 1000) / 1000,
      likes: Math.floor(rand() ** 3 * 2400),
      comments: Math.floor(rand() ** 3 * 180),
      // Expected time to take in the card; the reader view's own expectation is longer.
      expectedMs: 4000 + Math.floor(rand() * 8000),
      body: Array.from({ length: 3 + Math.floor(rand() * 3) }, () => pick(SENTENCES)),
      thumb: main, // key into `thumbs`
    });
  }
  // Absolute times as of generation (for replays and Node tests); the page uses ageMs.
  for (const p of posts) p.publishedAt = GENERATED_AT - p.ageMs;
  // The server's order: by its own score.
  posts.sort((a, b) => b.serverScore - a.serverScore);
  writeFileSync(join(out, 'posts.json'), JSON.stringify({ generated: 'scripts/gen-feed.mjs', topics: topicNames, creators, thumbs, posts }));
  return posts.length;
}

const n = main();
if (process.env.LOCALRANK_VERBOSE) console.log(`wrote ${n} posts to ${out}`);
