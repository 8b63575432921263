// SPDX-License-Identifier: MIT
// Plain-language explanations of ranking reasons (Personalizer.explain).
import { LABEL_KIND, REASON_PARTS } from './core-buffers.js';

/** Label of the `server` reason when every item of the batch had a `serverScore` (else: its position). */
export const SERVER_SCORE_LABEL = "the site's score (serverScore)";

/** @param {number} v */
const num = (v) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;

/**
 * One sentence for one reason.
 * @param {{kind: string, label: string, contribution: number, labelKind: number, id: number}} r  labelKind and id: the reason's label pair
 * @param {number} propensity
 */
function sentence(r, propensity) {
  const creator = r.labelKind === LABEL_KIND.CREATOR;
  const part = r.labelKind === LABEL_KIND.PART ? r.id : -1;
  const v = r.contribution;
  const n = `(${num(v)})`;
  const up = v >= 0;
  switch (r.kind) {
    case 'server': return r.label === SERVER_SCORE_LABEL ? `The site's own score for it (serverScore) gives it ${num(v)}.`
      : `Its place in the original feed gives it ${num(v)}.`;
    case 'topic': return up ? `You often engage with ${r.label} ${n}.` : `You tend to skip or hide ${r.label} ${n}.`;
    case 'rate': return up ? `When posts about ${r.label} are shown, you open them more often than most posts ${n}.`
      : `When posts about ${r.label} are shown, you open them less often than most posts ${n}.`;
    case 'creator': return up ? `You engage with posts by ${r.label} ${n}.` : `You skipped or hid posts by ${r.label} ${n}.`;
    case 'context': return up ? `In this context (${r.label}) you lean towards posts like this ${n}.`
      : `In this context (${r.label}) you lean away from posts like this ${n}.`;
    case 'freshness': return `It was published recently ${n}.`;
    case 'embedding': return up ? `It is similar to posts you engaged with ${n}.` : `It is unlike posts you engaged with ${n}.`;
    case 'diversity':
      if (part === REASON_PARTS.CREATOR_SHOWN) return `A post by the same creator is already higher in your feed, so this one moved down ${n}.`;
      if (part === REASON_PARTS.TOPIC_SHOWN) return `Posts on the same topic are already higher in your feed, so this one moved down ${n}.`;
      if (part === REASON_PARTS.CALIBRATION) return up ? `It helps your feed reflect your whole mix of interests ${n}.`
        : `It would tilt your feed away from your mix of interests ${n}.`;
      return `It is similar to posts just above it, so it moved down to keep your feed varied ${n}.`;
    case 'explore': return `It was picked to explore something outside your known interests (chosen with probability ${propensity.toFixed(3)}) ${n}.`;
    case 'fatigue':
      if (creator) return `Posts by ${r.label} were shown often lately without you engaging ${n}.`;
      if (r.labelKind === LABEL_KIND.TOPIC) return `Posts about ${r.label} were shown often lately without you engaging ${n}.`;
      return `You have seen this post before without engaging ${n}.`;
    case 'adjustment': return `You asked to see ${up ? 'more' : 'less'} ${creator ? 'from' : 'of'} ${r.label} ${n}.`;
    case 'notPersonalized': return r.label === 'personalization is not consented'
      ? `Personalization is not consented, so the original order is kept ${n}.`
      : `Personalization is off, so the original order is kept ${n}.`;
    case 'never': return `You asked never to see ${creator ? 'posts by ' : ''}${r.label}, so it is placed at the end.`;
    case 'pinned': return 'The site pinned it to this position.';
    case 'duplicate': return 'It repeats an item higher in the feed, so it is placed at the end.';
    case 'seen': return part === REASON_PARTS.OPENED ? 'You already opened this post, so it is placed at the end for a few days.'
      : 'It was shown many times without you engaging, so it is placed at the end.';
    default: return `${r.kind}: ${r.label} ${n}.`;
  }
}

/**
 * @param {{kind: string, label: string, contribution: number, labelKind: number, id: number}[]} raw
 * @param {number} propensity
 * @returns {{kind: string, label: string, contribution: number, text: string}[]}
 */
export function explainReasons(raw, propensity) {
  return raw.map((r) => ({ kind: r.kind, label: r.label, contribution: r.contribution, text: sentence(r, propensity) }));
}
