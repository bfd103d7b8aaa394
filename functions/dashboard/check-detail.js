/**
 * One check in full: its state (soft or hard, which attempt), output, what it runs and how often,
 * the actions an operator takes (run now, acknowledge, downtime), the readings of the last day
 * as charts and the transitions of the last week as a timeline. Live changes arrive from the
 * site view (`applyChange`); the timeline and charts are read again only when a change calls
 * for it, never on a timer.
 */
import { api, query, seg } from './api.js';
import { readingsChart } from './chart.js';
import { fill, flash, formatSeconds, h, statusBadge, timeElement } from './dom.js';
import { displayName, isProblem } from './status.js';

const READINGS_WINDOW_MS = 24 * 3_600_000;
const READING_POINTS = 120;
const TRANSITIONS_WINDOW_MS = 7 * 24 * 3_600_000;
const TRANSITIONS_SHOWN = 50;
/** New readings come with every result; redrawing the charts at most this often is plenty. */
const READINGS_REFRESH_MS = 30_000;

export class CheckDetail {
  /**
   * @param {object} options
   * @param {string} options.siteId
   * @param {string} options.checkId
   * @param {boolean} options.canAct the caller is an operator or admin in the site
   * @param {string} options.closeHref
   * @param {(check: object) => void} options.onCheck an action answered with the check's new state
   */
  constructor({ siteId, checkId, canAct, closeHref, onCheck }) {
    Object.assign(this, { siteId, checkId, canAct, onCheck });
    this.path = `/sites/${seg(siteId)}/checks/${seg(checkId)}`;
    this.check = null;
    this.readingsLoadedMs = 0;
    this.abort = new AbortController();
    this.closeLink = h('a', { class: 'button secondary close', href: closeHref }, 'Close');
    this.heading = h('h2', { id: 'detail-title', tabindex: '-1' }, 'Loading…');
    this.stateBox = h('div', { class: 'detail-state', 'data-check-state': checkId });
    this.facts = h('dl', { class: 'facts' });
    this.buttons = h('div', { class: 'action-buttons' });
    this.formSlot = h('div', { class: 'form-slot' });
    this.actions = h('div', { class: 'actions' }, this.buttons, this.formSlot);
    this.message = h('p', { class: 'action-message', role: 'status' });
    this.charts = h('div', { class: 'charts' }, h('p', { class: 'muted' }, 'Loading readings…'));
    this.timeline = h('ol', { class: 'timeline' });
    this.element = h('section', { class: 'detail', 'aria-labelledby': 'detail-title' },
      h('div', { class: 'detail-head' }, this.heading, this.closeLink),
      this.stateBox, this.actions, this.message, this.facts,
      h('h3', {}, 'Readings, last 24 hours'), this.charts,
      h('h3', {}, 'Transitions, last 7 days'), this.timeline);
  }

  /** Loads the check, its readings and transitions; `listed` is what the site's list has (drawn at once). */
  async load(listed) {
    if (listed) this.show(listed);
    try {
      this.show(await this.request(this.path));
      await Promise.all([this.loadTransitions(), this.loadReadings()]);
    } catch (error) {
      if (error.name !== 'AbortError') this.say(`Could not load this check: ${error.message}`, 'error');
    }
  }

  close() {
    this.abort.abort();
  }

  setCloseHref(href) {
    this.closeLink.setAttribute('href', href);
  }

  focus() {
    this.heading.focus();
  }

  /** A live change of this check (the site view's model, already updated). */
  applyChange(check) {
    if (!this.check) return;
    const changed = this.check.lastChangeAt !== check.lastChangeAt || this.check.hard !== check.hard;
    this.show(check);
    flash(this.stateBox);
    if (changed) this.loadTransitions().catch(() => {});
    if (Date.now() - this.readingsLoadedMs > READINGS_REFRESH_MS) this.loadReadings().catch(() => {});
  }

  request(path, options = {}) {
    return api(path, { ...options, signal: this.abort.signal });
  }

  /** Merges what is known about the check and redraws the parts that show it. */
  show(check) {
    this.check = { ...this.check, ...check };
    const c = this.check;
    fill(this.heading, displayName(c));
    const attempts = isProblem(c.status) ? c.failedAfter : c.recoversAfter;
    fill(this.stateBox,
      statusBadge(c.status, 'large'),
      h('span', { class: 'state-words' },
        c.status === 'PENDING' ? 'no result yet' : c.hard ? `hard ${c.status}` : `soft ${c.status}, attempt ${c.attempt}${attempts ? ` of ${attempts}` : ''} (confirmed state ${c.hardStatus})`,
        c.flapping ? ' · flapping' : '', c.acknowledged ? ' · acknowledged' : '', c.inDowntime ? ' · in downtime' : '', c.suppressed ? ' · suppressed' : ''),
      h('pre', { class: 'output' }, c.output || 'no output'));
    fill(this.facts,
      fact('Last result', timeElement(c.lastResultAt)),
      fact('Last change', timeElement(c.lastChangeAt)),
      fact('Kind', c.kind),
      c.summary ? fact('Summary', c.summary) : null,
      c.description ? fact('Description', c.description) : null,
      c.command ? fact('Command', c.engine ? `${c.command} (${c.engine})` : c.command) : null,
      c.schedule ? fact('Schedule', `every ${formatSeconds(c.schedule.everyS)}; ${formatSeconds(c.schedule.changingEveryS)} while changing; ${formatSeconds(c.schedule.retryEveryS)} while failing`) : null,
      c.failedAfter ? fact('Confirmed after', `${plural(c.failedAfter, 'failed result')}; recovered after ${plural(c.recoversAfter, 'good one')}`) : null,
      c.locations?.length ? fact('Runs from', h('ul', { class: 'locations', role: 'list' }, c.locations.map((location) => h('li', {},
        location.status ? statusBadge(location.status) : null, ' ', location.name, location.region ? ` (${location.region})` : '')))) : null);
    this.drawActions();
  }

  /** Redrawn only when what they offer changes, so a form being filled in keeps its focus. */
  drawActions() {
    const key = this.canAct ? String(Boolean(this.check.acknowledged)) : 'read-only';
    if (this.actionsKey === key) return;
    this.actionsKey = key;
    if (!this.canAct) {
      fill(this.buttons, h('p', { class: 'muted' }, 'You can watch this site; acting on checks needs the operator role.'));
      return;
    }
    const c = this.check;
    fill(this.buttons,
        h('button', { type: 'button', class: 'button', 'data-action': 'run-now', onclick: (event) => this.runNow(event.currentTarget) }, 'Run now'),
        c.acknowledged
          ? h('button', { type: 'button', class: 'button secondary', onclick: () => this.unacknowledge() }, 'Remove acknowledgement')
          : h('button', { type: 'button', class: 'button secondary', 'aria-expanded': 'false', 'data-action': 'acknowledge', onclick: (event) => this.toggleForm(event.currentTarget, this.acknowledgeForm()) }, 'Acknowledge'),
        h('button', { type: 'button', class: 'button secondary', 'aria-expanded': 'false', 'data-action': 'downtime', onclick: (event) => this.toggleForm(event.currentTarget, this.downtimeForm()) }, 'Schedule downtime'));
  }

  toggleForm(button, form) {
    const wasOpen = this.formSlot.firstElementChild?.dataset.form === form.dataset.form;
    for (const other of this.buttons.querySelectorAll('[aria-expanded]')) other.setAttribute('aria-expanded', 'false');
    fill(this.formSlot);
    if (wasOpen) return;
    button.setAttribute('aria-expanded', 'true');
    this.formSlot.append(form);
    form.querySelector('textarea, input')?.focus();
  }

  closeForm() {
    fill(this.formSlot);
    for (const other of this.buttons.querySelectorAll('[aria-expanded]')) other.setAttribute('aria-expanded', 'false');
  }

  async runNow(button) {
    button.disabled = true;
    this.say('Running…');
    try {
      const { sent, unserved } = await this.request(`${this.path}/run-now`, { method: 'POST' });
      this.say(unserved > 0 ? `Sent to ${sent} location(s); ${unserved} location(s) have no worker to run it.` : `Sent to ${sent} location(s); the result appears here when it arrives.`);
    } catch (error) {
      this.sayError(error);
    } finally {
      button.disabled = false;
    }
  }

  acknowledgeForm() {
    const comment = h('textarea', { id: 'ack-comment', name: 'comment', rows: 2, required: true, maxlength: 1000 });
    return h('form', { class: 'action-form', 'data-form': 'acknowledge', onsubmit: (event) => this.submit(event, () => this.acknowledge(comment.value.trim())) },
      h('label', { for: 'ack-comment' }, 'Comment (what is being done about it)'), comment,
      h('div', { class: 'form-buttons' }, h('button', { type: 'submit', class: 'button' }, 'Acknowledge'), h('button', { type: 'button', class: 'button secondary', onclick: () => this.closeForm() }, 'Cancel')));
  }

  downtimeForm() {
    const now = new Date();
    const from = h('input', { id: 'downtime-from', name: 'from', type: 'datetime-local', required: true, value: localInputValue(now) });
    const to = h('input', { id: 'downtime-to', name: 'to', type: 'datetime-local', required: true, value: localInputValue(new Date(now.getTime() + 3_600_000)) });
    const comment = h('textarea', { id: 'downtime-comment', name: 'comment', rows: 2, required: true, maxlength: 1000 });
    return h('form', {
      class: 'action-form', 'data-form': 'downtime',
      onsubmit: (event) => this.submit(event, async () => {
        const [fromAt, toAt] = [new Date(from.value), new Date(to.value)];
        if (!(toAt > fromAt)) throw new Error('the end must be after the start');
        const downtime = { from: fromAt.toISOString(), to: toAt.toISOString(), comment: comment.value.trim() };
        await this.request(`${this.path}/downtime`, { method: 'POST', body: downtime });
        this.onCheck(await this.request(this.path));
        return `Downtime scheduled until ${toAt.toLocaleString()}.`;
      }),
    },
    h('div', { class: 'form-row' },
      h('div', {}, h('label', { for: 'downtime-from' }, 'From'), from),
      h('div', {}, h('label', { for: 'downtime-to' }, 'To'), to)),
    h('label', { for: 'downtime-comment' }, 'Comment'), comment,
    h('div', { class: 'form-buttons' }, h('button', { type: 'submit', class: 'button' }, 'Schedule downtime'), h('button', { type: 'button', class: 'button secondary', onclick: () => this.closeForm() }, 'Cancel')));
  }

  async acknowledge(comment) {
    this.onCheck(await this.request(`${this.path}/acknowledge`, { method: 'POST', body: { comment } }));
    return 'Acknowledged.';
  }

  async unacknowledge() {
    try {
      await this.request(`${this.path}/acknowledge`, { method: 'DELETE' });
      this.onCheck(await this.request(this.path));
      this.say('Acknowledgement removed.');
    } catch (error) {
      this.sayError(error);
    }
  }

  async submit(event, work) {
    event.preventDefault();
    const submitButton = event.currentTarget.querySelector('[type="submit"]');
    submitButton.disabled = true;
    try {
      const done = await work();
      this.closeForm();
      this.say(done);
    } catch (error) {
      this.sayError(error);
    } finally {
      submitButton.disabled = false;
    }
  }

  async loadTransitions() {
    const to = new Date();
    const { items } = await this.request(`${this.path}/transitions${query({ from: new Date(to.getTime() - TRANSITIONS_WINDOW_MS).toISOString(), to: to.toISOString() })}`);
    const newest = [...items].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, TRANSITIONS_SHOWN);
    if (newest.length === 0) {
      fill(this.timeline, h('li', { class: 'muted' }, 'No transitions in the last 7 days.'));
      return;
    }
    fill(this.timeline, newest.map((t) => h('li', {},
      h('span', { class: 'when' }, timeElement(t.at)),
      h('span', { class: 'change' }, statusBadge(t.fromStatus), h('span', { 'aria-hidden': 'true' }, ' → '), h('span', { class: 'visually-hidden' }, ' to '), statusBadge(t.toStatus),
        ' ', t.toHard ? 'hard' : `soft, attempt ${t.attempt}`),
      t.output ? h('span', { class: 'output-line' }, t.output) : null)));
  }

  async loadReadings() {
    this.readingsLoadedMs = Date.now();
    const to = new Date();
    const { series } = await this.request(`${this.path}/readings${query({ from: new Date(to.getTime() - READINGS_WINDOW_MS).toISOString(), to: to.toISOString(), points: READING_POINTS })}`);
    fill(this.charts, series.length === 0 ? h('p', { class: 'muted' }, 'No readings in the last 24 hours.') : series.map(readingsChart));
  }

  say(text, kind = 'info') {
    this.message.className = `action-message ${kind}`;
    this.message.textContent = text;
  }

  sayError(error) {
    const fields = error.fields?.length ? `: ${error.fields.map((f) => `${f.path} ${f.message}`).join('; ')}` : '';
    this.say(`${error.message}${fields}`, 'error');
  }
}

function plural(n, noun) {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function fact(term, value) {
  return [h('dt', {}, term), h('dd', {}, value)];
}

/** A date as a `datetime-local` input wants it: local time, to the minute. */
function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
