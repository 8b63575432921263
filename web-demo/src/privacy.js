// SPDX-License-Identifier: MIT
// "Your data": consent per purpose, what the feed has learned (as a chart),
// export / import / erase, and exactly what aggregate measurement sends. Reports
// leave by themselves (localrank's schedule: a random time, never at a load,
// click or consent change), through the demo's Oblivious HTTP relay.
import { h, $, announce } from './dom.js';
import { barChart } from './charts.js';
import { fetchToken } from './tokens.js';

export const REPORTS_URL = '/v1/reports';

const fmt = (/** @type {number} */ x) => (Math.round(x * 100) / 100).toString();

export class Dashboard {
  #engine;
  #creatorName;
  #onChanged;
  #onErased;
  /** @type {unknown} the last aggregate report this page sent, exactly as sent */
  lastReport = null;

  /**
   * @param {{engine: import('./engine.js').Engine, creatorName: (id: string) => string, onChanged: () => void, onErased: () => void}} deps
   *   onChanged runs after consent, import or erase changed what the feed may use; onErased after an erase.
   */
  constructor({ engine, creatorName, onChanged, onErased }) {
    this.#engine = engine;
    this.#creatorName = creatorName;
    this.#onChanged = onChanged;
    this.#onErased = onErased;
    for (const [id, purpose] of [['#c-personalization', 'personalization'], ['#c-aggregate', 'aggregateMeasurement']]) {
      $(id).addEventListener('change', async (e) => {
        const on = /** @type {HTMLInputElement} */ (e.target).checked;
        await this.#engine.setConsent({ ...this.#engine.consent, [purpose]: on });
        const now = this.#engine.consent[/** @type {'personalization'|'aggregateMeasurement'} */ (purpose)];
        if (now === on) {
          announce(purpose === 'personalization'
            ? (on ? 'Personalization is on.' : 'Personalization is off, and what was learned is erased.')
            : `Aggregate measurement is ${on ? 'on' : 'off'}.`);
        }
        this.render();
        this.#onChanged();
      });
    }
    $('#export').addEventListener('click', () => this.#export());
    $('#import').addEventListener('change', (e) => this.#import(/** @type {HTMLInputElement} */ (e.target)));
    const dialog = /** @type {HTMLDialogElement} */ ($('#erase-dialog'));
    $('#erase').addEventListener('click', () => dialog.showModal());
    $('#erase-cancel').addEventListener('click', () => dialog.close());
    $('#erase-confirm').addEventListener('click', async () => {
      dialog.close();
      await this.#engine.erase();
      this.lastReport = null;
      delete document.body.dataset.reports;
      this.render();
      this.#onChanged();
      announce('Everything was erased from this device.');
      this.#onErased();
    });
    engine.onReport((sent) => {
      if (sent) {
        this.lastReport = sent.report;
        document.body.dataset.reports = String(Number(document.body.dataset.reports ?? 0) + 1);
      }
      this.#renderReport();
    });
  }

  /** @type {{nextAt: number|null}|null} */
  #schedule = null;

  /**
   * Lets localrank send this browser's reports by itself (with the person's
   * consent and budget), through `relay` when there is one.
   * @param {import('localrank/ohttp').OhttpRelay|null} relay
   */
  async scheduleReports(relay) {
    const tokens = this.#engine.tokens;
    // With tokens on, a token is fetched only when a new report is built (a kept one has its own).
    this.#schedule = await this.#engine.scheduleAggregateReports(REPORTS_URL, {
      ...(tokens ? { token: () => fetchToken(tokens) } : {}), ...(relay ? { relay } : {}),
    });
    this.#renderReport();
  }

  /** Redraws the dashboard from the personalizer's current state. */
  render() {
    const { consent } = this.#engine;
    /** @type {HTMLInputElement} */ ($('#c-personalization')).checked = consent.personalization;
    /** @type {HTMLInputElement} */ ($('#c-aggregate')).checked = consent.aggregateMeasurement;
    const profile = this.#engine.profile({ top: 10 });
    $('#profile-summary').textContent = profile.totalEvents === 0
      ? (consent.personalization ? 'Nothing yet: like, save or read a few posts.' : 'Nothing: personalization is off, so nothing is learned.')
      : `Learned from ${profile.totalEvents} interaction${profile.totalEvents === 1 ? '' : 's'} on this device, the last ${new Date(profile.lastEventAt).toLocaleString()}. Longer bars mean more interest; recent activity counts more.`;
    const chart = (/** @type {import('localrank').InterestEntry[]} */ list, /** @type {string} */ title, /** @type {(n: string) => string} */ name) =>
      list.length === 0 ? h('p', { class: 'empty', text: `No ${title.toLowerCase()} yet.` })
        : barChart(list.map((e) => ({ label: name(e.name), value: e.weight, note: `${e.events} interaction${e.events === 1 ? '' : 's'}` })), { title });
    $('#profile-topics').replaceChildren(chart(profile.topics, 'Topics', (n) => n));
    $('#profile-creators').replaceChildren(chart(profile.creators, 'Creators', this.#creatorName));
    this.#renderEngagement(profile.engagement.slice(0, 5), consent.personalization);
    // The person's learnt blend of signals, in words (docs/model.md).
    $('#profile-model').textContent = profile.model.summary;
    this.#renderPreferences(profile.preferences);
    this.#showSaved();
    this.#renderReport();
  }

  /** Saves now, so that what the dashboard shows is what the browser keeps. */
  async #showSaved() {
    const out = $('#saved');
    try {
      const at = await this.#engine.save();
      out.textContent = at === null ? 'Nothing is stored in this browser.' : `Stored in this browser (IndexedDB), last saved ${at.toLocaleTimeString()}.`;
      document.body.dataset.saved = String(at?.getTime() ?? 0);
    } catch (e) {
      out.textContent = `Not saved: ${/** @type {Error} */ (e).message}`;
    }
  }

  /**
   * What the feed learnt from what it showed: how often the person opens
   * posts on a topic when shown them, against their own average (the lift
   * behind the "you open them less often" reasons).
   * @param {import('localrank').EngagementEntry[]} list @param {boolean} personal
   */
  #renderEngagement(list, personal) {
    const how = (/** @type {number} */ lift) => lift >= 1.1 ? 'more often than' : lift <= 0.9 ? 'less often than' : 'about as often as';
    $('#profile-engagement').replaceChildren(...(list.length === 0
      ? [h('li', { class: 'empty', text: personal ? 'Nothing yet: posts count once they have been on screen.' : 'Nothing: personalization is off, so nothing is learned.' })]
      : list.map((e) => h('li', { data: { name: e.name, lift: e.lift.toFixed(2) },
        text: `${e.name}: shown ${Math.round(e.shown)} time${Math.round(e.shown) === 1 ? '' : 's'} lately; you open these ${how(e.lift)} your average (×${e.lift.toFixed(2)}).` }))));
  }

  /** @param {import('localrank').ProfileView['preferences']} prefs */
  #renderPreferences(prefs) {
    const WORDS = { more: 'Show more', less: 'Show less', never: 'Never show' };
    const rows = [
      ...Object.entries(prefs.topics).map(([topic, pref]) => ({ target: { topic }, name: topic, pref, what: 'topic' })),
      ...Object.entries(prefs.creators).map(([creatorId, pref]) => ({ target: { creatorId }, name: this.#creatorName(creatorId), pref, what: 'creator' })),
    ];
    $('#preferences').replaceChildren(...(rows.length === 0
      ? [h('li', { class: 'empty', text: 'None. Use “More…” on a post to choose.' })]
      : rows.map((r) => h('li', { data: { name: r.name, preference: r.pref } },
        h('span', { text: `${WORDS[r.pref]}: ${r.name} (${r.what})` }),
        h('button', { type: 'button', class: 'quiet', 'aria-label': `Undo “${WORDS[r.pref]}” for ${r.name}`, text: 'Undo',
          on: { click: () => {
            this.#engine.adjust({ .../** @type {any} */ (r.target), preference: 'none' });
            announce(`Cleared your choice for ${r.name}.`);
            this.render();
            this.#onChanged();
          } } })))));
  }

  #renderReport() {
    const b = this.#engine.privacyBudget();
    const consent = this.#engine.consentRecord();
    const next = b.reportsLeft > 0 || b.nextReportAt === null ? '' : ` The next report fits on ${new Date(b.nextReportAt).toLocaleDateString()}.`;
    $('#budget').textContent = `Privacy budget left: ε = ${fmt(b.remaining)} of ${fmt(b.epsilonCap)} per ${b.windowDays} days ` +
      `(${b.reportsLeft} report${b.reportsLeft === 1 ? '' : 's'} of ε = ${fmt(b.epsilonPerReport)}).${next}`;
    const meter = /** @type {HTMLMeterElement} */ ($('#budget-meter'));
    meter.max = b.epsilonCap;
    meter.value = b.remaining;
    $('#report-consent').textContent = consent.gpc && !consent.aggregateMeasurement
      ? 'Your browser sends Global Privacy Control, so no report is sent.'
      : consent.aggregateMeasurement ? 'You allow aggregate measurement: this browser sends its reports by itself, at random times, through a relay that hides its address from the collector.'
        : 'Aggregate measurement is off: nothing is sent.';
    const at = this.#schedule?.nextAt;
    $('#report-next').textContent = consent.aggregateMeasurement && at ? `The next report leaves at a random time, around ${new Date(at).toLocaleDateString()}.` : '';
    $('#report-payload').textContent = this.lastReport === null ? 'No report sent from this page yet.' : JSON.stringify(this.lastReport, null, 2);
  }

  #export() {
    const data = this.#engine.exportProfile();
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    const a = h('a', { href: url, download: 'localrank-profile.json', class: 'visually-hidden', text: 'download' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    announce('Your profile was downloaded as localrank-profile.json.');
  }

  /** @param {HTMLInputElement} input */
  async #import(input) {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const result = $('#import-result');
    try {
      this.#engine.importProfile(await file.text());
      result.textContent = `Imported ${file.name}.`;
      this.render();
      this.#onChanged();
    } catch (e) {
      const err = /** @type {any} */ (e);
      result.textContent = `Not imported: ${err.code ? `${err.code}: ` : ''}${err.message}. Your profile is unchanged.`;
    }
  }
}
