/**
 * The checks of a site in three lists, problems first: unhandled problems, then handled ones
 * (acknowledged, in downtime, suppressed), then the rest; worst first within each. Rows are keyed
 * by check id and kept: a change rewrites its one row in place, moves it to where it now belongs,
 * and flashes it, so people see what changed and nothing else on the page jumps.
 */
import { flash, h, fill, statusBadge, timeElement } from './dom.js';
import { categoryOf, compareChecks, displayName, isProblem, statusClass } from './status.js';

const SECTIONS = [
  { category: 'unhandled', title: 'Unhandled problems', empty: 'No unhandled problems.' },
  { category: 'handled', title: 'Handled problems', empty: 'No acknowledged or scheduled problems.', note: 'acknowledged, in downtime or suppressed' },
  { category: 'healthy', title: 'Other checks', empty: 'No other checks.' },
];

export class CheckLists {
  /**
   * @param {object} options
   * @param {(checkId: string) => string} options.href the link that opens a check
   */
  constructor({ href }) {
    this.href = href;
    this.rows = new Map();
    this.filter = () => true;
    this.selectedId = null;
    this.sections = new Map();
    this.element = h('div', { class: 'check-lists' });
    for (const section of SECTIONS) {
      const id = `list-${section.category}`;
      const count = h('span', { class: 'count' });
      const list = h('ul', { class: 'check-list', role: 'list', 'data-list': section.category, 'aria-labelledby': id });
      const empty = h('p', { class: 'empty muted' }, section.empty);
      const element = h('section', { class: `list-section ${section.category}` },
        h('h2', { id }, section.title, ' ', count),
        section.note ? h('p', { class: 'section-note muted' }, section.note) : null,
        list, empty);
      this.sections.set(section.category, { list, count, empty });
      this.element.append(element);
    }
    this.more = h('div', { class: 'more' });
    this.element.append(this.more);
  }

  /** Replaces every row (after a load). `flashIds`: rows to flash because they changed meanwhile. */
  setChecks(checks, flashIds = new Set()) {
    this.rows = new Map();
    const byCategory = new Map(SECTIONS.map((section) => [section.category, []]));
    for (const check of checks) {
      const row = h('li', { class: 'check-row', 'data-check-id': check.id });
      this.drawRow(row, check);
      this.rows.set(check.id, { row, check });
      if (this.filter(check)) byCategory.get(categoryOf(check)).push({ row, check });
    }
    for (const [category, entries] of byCategory) {
      entries.sort((a, b) => compareChecks(a.check, b.check));
      fill(this.sections.get(category).list, entries.map((entry) => entry.row));
    }
    this.updateCounts();
    for (const id of flashIds) {
      const entry = this.rows.get(id);
      if (entry?.row.isConnected) flash(entry.row);
    }
  }

  /** Shows only the checks `filter` accepts (a group and what is below it). */
  setFilter(filter) {
    this.filter = filter;
    this.setChecks([...this.rows.values()].map((entry) => entry.check));
  }

  /**
   * Redraws one check's row, moves it to its place, and flashes it: only when what the row shows
   * changed (a result that changes nothing visible leaves it alone, so flashes mean something).
   */
  update(check) {
    let entry = this.rows.get(check.id);
    if (!entry) {
      entry = { row: h('li', { class: 'check-row', 'data-check-id': check.id }), check };
      this.rows.set(check.id, entry);
    } else if (entry.row.dataset.shows === rowKey(check)) {
      entry.check = check;
      return;
    }
    entry.check = check;
    this.drawRow(entry.row, check);
    this.place(entry);
    this.updateCounts();
    if (entry.row.isConnected) flash(entry.row);
  }

  has(checkId) {
    return this.rows.has(checkId);
  }

  check(checkId) {
    return this.rows.get(checkId)?.check;
  }

  checks() {
    return [...this.rows.values()].map((entry) => entry.check);
  }

  select(checkId) {
    this.selectedId = checkId;
    for (const [id, { row }] of this.rows) row.classList.toggle('selected', id === checkId);
  }

  /** Offers to load more checks (a site with more than the dashboard loads at once). */
  setMore(onMore) {
    fill(this.more, onMore ? h('button', { type: 'button', class: 'button secondary', onclick: onMore }, 'Load more checks') : null);
  }

  /** Inserts before the first row that sorts after it: only this row moves. */
  place({ row, check }) {
    if (!this.filter(check)) {
      row.remove();
      return;
    }
    const { list } = this.sections.get(categoryOf(check));
    let before = null;
    for (const other of list.children) {
      if (other === row) continue;
      const otherCheck = this.rows.get(other.dataset.checkId)?.check;
      if (otherCheck && compareChecks(check, otherCheck) < 0) {
        before = other;
        break;
      }
    }
    if (row.parentElement !== list || (row.nextElementSibling ?? null) !== before) list.insertBefore(row, before);
  }

  updateCounts() {
    for (const { list, count, empty } of this.sections.values()) {
      count.textContent = `(${list.children.length})`;
      empty.hidden = list.children.length > 0;
    }
  }

  drawRow(row, check) {
    row.className = `check-row ${statusClass(check.status)}${check.id === this.selectedId ? ' selected' : ''}`;
    row.dataset.status = check.status;
    row.dataset.shows = rowKey(check);
    const tags = [
      stateTag(check),
      check.flapping ? 'flapping' : null,
      check.acknowledged ? 'acknowledged' : null,
      check.inDowntime ? 'in downtime' : null,
      check.suppressed ? 'suppressed' : null,
    ].filter(Boolean);
    fill(row, h('a', { class: 'row-link', href: this.href(check.id) },
      statusBadge(check.status),
      h('span', { class: 'row-main' },
        h('span', { class: 'row-name' }, displayName(check)),
        h('span', { class: 'row-output' }, check.output || '–')),
      h('span', { class: 'row-meta' },
        h('span', { class: 'row-tags' }, tags.join(' · ')),
        h('span', { class: 'row-time' }, 'since ', timeElement(check.lastChangeAt ?? check.lastResultAt)))));
  }
}

/** What a row shows (and where it sorts), as one string to compare. */
function rowKey(check) {
  return JSON.stringify([check.status, check.hard, check.attempt, check.flapping, check.acknowledged, check.inDowntime, check.suppressed,
    check.output, check.lastChangeAt ?? check.lastResultAt, check.name, check.hostName]);
}

/** Soft states (not yet confirmed) and confirmed problems say so; a settled OK needs no words. */
function stateTag(check) {
  if (check.status === 'PENDING') return null;
  if (!check.hard) return `soft, attempt ${check.attempt}`;
  return isProblem(check.status) ? 'hard' : null;
}
