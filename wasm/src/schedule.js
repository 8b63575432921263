// SPDX-License-Identifier: MIT
// When reports leave: at random times, spaced apart, one report per send,
// never because a page loaded, a button was clicked or consent changed
// (docs/privacy.md, "Transport (OHTTP)"). A privacy window of W days with
// room for n reports has slots of W / n; after a send (or the first start)
// the next is drawn uniformly in [slot / 2, 3 slot / 2] later, so sends are
// at least half a slot apart and n per window on average. A time that passed
// while no page was open is redrawn 1 to 10 minutes after the start, not at
// it. The next time is kept on storage, so a reload does not redraw it.
// Closures rather than a class: small. Loaded on demand with the rest of the
// report path (report-module.js).
export { SCHEDULE_KEY } from './privacy-options.js';
const MINUTE = 60000;

/**
 * Starts a schedule: reads or draws the next time and, unless `auto` is
 * false, arms a timer (woken at most hourly: a long timeout outlives a
 * sleeping laptop badly). `runDue()` sends one report if its time has come
 * (by `now`) and draws the next; it resolves with what `send` resolved to,
 * or undefined when nothing was due.
 * @param {{
 *   storage: {get(k: string): any, set(k: string, v: string): any},
 *   key: string, now: () => number, slotMs: number, auto: boolean,
 *   send: () => Promise<any>, onResult: (r: any) => void, onError: (e: unknown) => void,
 * }} o
 */
export async function startSchedule(o) {
  const { storage, key, now, slotMs } = o;
  /** @type {number} */
  let at;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  let stopped = false;
  /** @type {Promise<any>|null} */
  let running = null;
  /** @param {number} min @param {number} max delay from now, ms */
  const draw = async (min, max) => {
    at = Math.round(now() + min + (crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32) * (max - min));
    try {
      await storage.set(key, JSON.stringify({ at }));
    } catch { /* kept in memory */ }
  };
  const arm = () => {
    clearTimeout(timer);
    if (!stopped && o.auto) timer = setTimeout(() => { self.runDue().catch(() => {}); }, Math.min(Math.max(at - now(), 1000), 60 * MINUTE));
  };
  const self = {
    get nextAt() { return at; },
    runDue() {
      if (stopped) return Promise.resolve(undefined);
      if (!running && now() < at) {
        arm();
        return Promise.resolve(undefined);
      }
      running ??= o.send().then(async (result) => {
        await draw(slotMs / 2, slotMs * 1.5);
        o.onResult(result);
        return result;
      }, async (err) => {
        // Kept for a later send (SEND_FAILED) or refused: try again within the hour.
        await draw(5 * MINUTE, 60 * MINUTE);
        o.onError(err);
      }).finally(() => {
        running = null;
        arm();
      });
      return running;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
  let kept;
  try {
    kept = JSON.parse(await storage.get(key))?.at;
  } catch { /* none kept */ }
  if (!Number.isFinite(kept)) await draw(slotMs / 2, slotMs * 1.5);
  else if (kept <= now()) await draw(MINUTE, 10 * MINUTE);
  else at = kept;
  arm();
  return self;
}
