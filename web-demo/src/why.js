// SPDX-License-Identifier: MIT
// "Why am I seeing this?": the item's real reasons from rerank(), in plain words.
import { h, svg, $, signed, openPopover } from './dom.js';

/** Context keys made by localrank (`intent:commute`, `daypart:evening`, ...) in words. */
const CONTEXT_WORDS = {
  'intent:at-home': 'at home', 'intent:commuting': 'while commuting', 'intent:working-out': 'while working out',
  'intent:at-work': 'at work', 'intent:winding-down': 'while winding down',
  'daypart:night': 'at night', 'daypart:morning': 'in the morning', 'daypart:afternoon': 'in the afternoon',
  'daypart:evening': 'in the evening', 'week:weekday': 'on weekdays', 'week:weekend': 'at weekends',
  'device:mobile': 'on your phone', 'device:desktop': 'on a computer',
};

/** @param {string} key */
export function contextWords(key) {
  return CONTEXT_WORDS[/** @type {keyof typeof CONTEXT_WORDS} */ (key)] ?? `in this context (${key})`;
}

/**
 * One reason in plain words.
 * @param {import('localrank').Reason} r
 * @param {(creatorId: string) => string} creatorName
 */
export function describeReason(r, creatorName) {
  const up = r.contribution >= 0;
  switch (r.kind) {
    case 'server': return 'It ranks high in the site’s own order for everyone';
    case 'topic': return up ? `You’ve engaged with posts about ${r.label}` : `You’ve skipped or hidden posts about ${r.label}`;
    case 'rate': return up ? `You open posts about ${r.label} more often than most when they’re shown`
      : `You rarely open posts about ${r.label} when they’re shown`;
    case 'creator': return up ? `You engage with ${creatorName(r.label)}` : `You’ve shown less interest in ${creatorName(r.label)}`;
    case 'freshness': return 'It was published recently';
    case 'context': return `You often engage with posts like this ${contextWords(r.label)}`;
    case 'embedding': return up ? 'It is similar to posts you engaged with' : 'It is unlike posts you engaged with';
    case 'diversity': return up ? 'Moved up to keep your feed varied' : 'Moved down a little so your feed isn’t all one topic';
    case 'explore': return 'Something new, to help you discover other topics';
    case 'fatigue': return 'Moved down: you’ve seen a lot like it recently';
    case 'adjustment': return up ? `You asked to see more of ${nameOf(r.label, creatorName)}` : `You asked to see less of ${nameOf(r.label, creatorName)}`;
    case 'notPersonalized': return /consent/.test(r.label)
      ? 'You haven’t allowed personalization, so this is the site’s own order'
      : 'Personalization is off, so this is the site’s own order';
    case 'never': return 'You asked never to see this';
    case 'pinned': return 'Pinned in place by the site';
    default: return `${r.kind}: ${r.label}`;
  }
}

/** Adjustment labels name a topic or a creator id. @param {string} label @param {(id: string) => string} creatorName */
function nameOf(label, creatorName) {
  const name = creatorName(label);
  return name === label ? label : name;
}

/**
 * Fills and opens the shared "why" popover next to the button that asked.
 * @param {HTMLButtonElement} button
 * @param {{post: any, ranked: import('localrank').RankedItem, creatorName: (id: string) => string}} what
 */
export function showWhy(button, { post, ranked, creatorName }) {
  const pop = $('#why');
  const reasons = [...ranked.reasons].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  const max = Math.max(1e-9, ...reasons.map((r) => Math.abs(r.contribution)));
  const W = 90;
  const rows = reasons.map((r) => h('li', {
    class: 'reason',
    data: { kind: r.kind, label: r.label, contribution: String(r.contribution) },
  },
  h('span', { class: 'reason-text', text: describeReason(r, creatorName) }),
  svg('svg', { class: 'reason-bar', width: W, height: 10, viewBox: `0 0 ${W} 10`, 'aria-hidden': 'true' },
    svg('rect', { class: r.contribution >= 0 ? 'bar-pos' : 'bar-neg', x: 0, y: 1, height: 8, rx: 2,
      width: Math.max(1, (Math.abs(r.contribution) / max) * W).toFixed(1) })),
  h('span', { class: 'reason-value', text: signed(r.contribution) })));
  const close = h('button', { type: 'button', class: 'quiet', text: 'Close', on: { click: () => pop.hidePopover() } });
  pop.replaceChildren(
    close,
    h('h2', { id: 'why-title', text: 'Why am I seeing this?' }),
    h('p', { class: 'why-post', text: `“${post.title}” by ${post.creatorName}` }),
    h('ol', { class: 'reasons', 'aria-label': 'Reasons, strongest first' }, ...rows),
    h('p', { class: 'why-total' }, `Score ${ranked.score.toFixed(2)}, the sum of the reasons above. `,
      'Worked out on this device from what you did here; nothing about it was sent anywhere.'),
  );
  pop.dataset.postId = post.id;
  openPopover(pop, button);
}
