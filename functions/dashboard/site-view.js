/**
 * One site: the group tree, the check lists (problems first) and, when one is open, a check in
 * detail. It loads its lists when the live subscription is in place (so no change can fall between
 * the load and the subscription), again after every reconnect, and otherwise only applies the
 * `checks` and `groups` frames pushed to it: no polling.
 */
import { api, listAll, seg } from './api.js';
import { CheckDetail } from './check-detail.js';
import { CheckLists } from './check-lists.js';
import { announce, fill, h } from './dom.js';
import { GroupTree } from './group-tree.js';
import { categoryOf, displayName } from './status.js';

/** Checks loaded before the dashboard asks (a button) for more. */
const CHECKS_LOADED_AT_ONCE = 5_000;
/** Waiting longer than this for the live connection, the lists load anyway (and again once it is up). */
const LOAD_WITHOUT_LIVE_AFTER_MS = 1_500;
/** Checks a frame names that the page has not loaded (new, or beyond what is loaded), fetched at most this many at once. */
const UNKNOWN_CHECKS_FETCHED = 20;

export class SiteView {
  /**
   * @param {object} options
   * @param {{ id: string, name: string, role: string }} options.site
   */
  constructor({ site }) {
    this.site = site;
    this.siteId = site.id;
    this.base = `/sites/${seg(site.id)}`;
    this.route = { groupId: null, checkId: null };
    this.loads = 0;
    this.pendingLoad = null;
    this.loaded = false;
    this.closed = false;
    this.buffered = [];
    this.nextCursor = null;
    this.detail = null;
    this.tree = new GroupTree({ href: (groupId) => this.href({ ...this.route, groupId, checkId: null }) });
    this.lists = new CheckLists({ href: (checkId) => this.href({ ...this.route, checkId }) });
    this.status = h('div', { class: 'load-status', role: 'status' }, h('p', { class: 'muted' }, 'Loading checks…'));
    this.lists.element.hidden = true;
    this.filterNote = h('p', { class: 'filter-note', hidden: true });
    this.detailPane = h('div', { class: 'detail-pane', hidden: true });
    this.element = h('main', { id: 'main', class: 'site-layout', tabindex: '-1' },
      h('section', { class: 'groups-pane', 'aria-labelledby': 'groups-title' }, h('h2', { id: 'groups-title' }, 'Groups'), this.tree.element),
      h('section', { class: 'checks-pane', 'aria-label': 'Checks' }, this.status, this.filterNote, this.lists.element),
      this.detailPane);
    this.fallbackTimer = setTimeout(() => this.loaded || this.load(), LOAD_WITHOUT_LIVE_AFTER_MS);
  }

  /** `#/sites/{id}[/groups/{groupId}][/checks/{checkId}]` */
  href({ groupId, checkId }) {
    return `#/sites/${seg(this.siteId)}${groupId ? `/groups/${seg(groupId)}` : ''}${checkId ? `/checks/${seg(checkId)}` : ''}`;
  }

  /** Shows what the route names: a group's checks, a check in detail. */
  show({ groupId, checkId }) {
    const groupChanged = groupId !== this.route.groupId;
    const checkChanged = checkId !== this.route.checkId;
    this.route = { groupId, checkId };
    // Rows link to checks within the chosen group: applying the filter redraws them.
    if (groupChanged) this.applyFilter();
    else if (checkChanged) this.drawFilterNote();
    if (checkChanged) this.openDetail(checkId);
    else if (groupChanged) this.detail?.setCloseHref(this.href({ groupId, checkId: null }));
    this.tree.select(groupId);
    this.lists.select(checkId);
  }

  applyFilter() {
    const { groupId } = this.route;
    if (!this.loaded) return;
    const groups = groupId && this.tree.groups.has(groupId) ? this.tree.descendantsOf(groupId) : null;
    this.lists.setFilter(groups ? (check) => (check.groupIds ?? []).some((id) => groups.has(id)) : () => true);
    this.drawFilterNote();
  }

  drawFilterNote() {
    const { groupId, checkId } = this.route;
    this.filterNote.hidden = !groupId || !this.loaded;
    if (this.filterNote.hidden) return;
    const showAll = h('a', { href: this.href({ groupId: null, checkId }) }, 'Show all checks');
    if (this.tree.groups.has(groupId)) fill(this.filterNote, 'Checks in ', h('strong', {}, this.tree.name(groupId)), ' and the groups below it. ', showAll);
    else fill(this.filterNote, 'This group is not in the site. ', showAll);
  }

  openDetail(checkId) {
    this.detail?.close();
    this.detail = null;
    this.element.classList.toggle('has-detail', Boolean(checkId));
    this.detailPane.hidden = !checkId;
    if (!checkId) {
      fill(this.detailPane);
      return;
    }
    this.detail = new CheckDetail({
      siteId: this.siteId, checkId, canAct: this.site.role === 'operator' || this.site.role === 'admin',
      closeHref: this.href({ ...this.route, checkId: null }),
      onCheck: (check) => this.applyCheck(check),
    });
    fill(this.detailPane, this.detail.element);
    this.detail.load(this.lists.check(checkId));
    this.detail.focus();
  }

  close() {
    clearTimeout(this.fallbackTimer);
    this.detail?.close();
    this.closed = true;
  }

  /**
   * Loads the groups and the checks: the first CHECKS_LOADED_AT_ONCE in the API's order, which
   * puts problems first. Rows whose state differs from before flash (a reload after a reconnect).
   */
  async load() {
    const load = ++this.loads;
    this.pendingLoad = load;
    try {
      const [groups, { items, nextCursor }] = await Promise.all([listAll(`${this.base}/groups`), listAll(`${this.base}/checks`, { max: CHECKS_LOADED_AT_ONCE })]);
      if (load !== this.loads || this.closed) return;
      const changed = new Set();
      if (this.loaded) {
        for (const check of items) {
          const before = this.lists.check(check.id);
          if (before && (before.status !== check.status || categoryOf(before) !== categoryOf(check))) changed.add(check.id);
        }
      }
      this.loaded = true;
      this.nextCursor = nextCursor;
      this.tree.setGroups(groups.items);
      this.applyFilter();
      this.lists.setChecks(items, changed);
      this.lists.setMore(nextCursor ? () => this.loadMore() : null);
      this.lists.element.hidden = false;
      fill(this.status);
    } catch (error) {
      if (load !== this.loads || this.closed) return;
      fill(this.status, h('p', { class: 'error' }, `Could not load the checks: ${error.message}. `, h('button', { type: 'button', class: 'button secondary', onclick: () => this.load() }, 'Try again')));
    } finally {
      if (load === this.loads) this.replayBuffered();
    }
  }

  async loadMore() {
    const { items, nextCursor } = await listAll(`${this.base}/checks`, { max: CHECKS_LOADED_AT_ONCE, cursor: this.nextCursor });
    this.nextCursor = nextCursor;
    this.lists.setChecks([...this.lists.checks(), ...items.filter((check) => !this.lists.has(check.id))]);
    this.lists.setMore(nextCursor ? () => this.loadMore() : null);
  }

  /** A frame of the live connection. While a load is on its way, frames wait and apply on top of it. */
  applyFrame(frame) {
    if (this.pendingLoad !== null || !this.loaded) {
      this.buffered.push(frame);
      return;
    }
    if (frame.type === 'checks') this.applyCheckChanges(frame.checks ?? []);
    else if (frame.type === 'groups' && this.tree.update(frame.groups ?? []).length > 0) {
      // A group the page does not know: the configuration changed; read the tree again.
      listAll(`${this.base}/groups`).then(({ items }) => this.tree.setGroups(items), () => {});
    }
  }

  /** After a load: frames that came meanwhile go on top (older check states are skipped). Without a load, the next one will have them. */
  replayBuffered() {
    this.pendingLoad = null;
    const frames = this.buffered;
    this.buffered = [];
    if (this.loaded) for (const frame of frames) this.applyFrame(frame);
  }

  /** `CheckChange`s (functions/ports/push.ts): newer than what the page has, they replace it. */
  applyCheckChanges(changes) {
    const unknown = [];
    for (const change of changes) {
      const check = this.lists.check(change.checkId);
      if (!check) {
        unknown.push(change.checkId);
        continue;
      }
      if (change.lastResultAtMs < (Date.parse(check.lastResultAt ?? '') || 0)) continue;
      const next = {
        ...check,
        status: change.status, hard: change.hard, hardStatus: change.hardStatus, attempt: change.attempt, flapping: change.flapping, output: change.output,
        lastResultAt: change.lastResultAtMs ? new Date(change.lastResultAtMs).toISOString() : check.lastResultAt,
        lastChangeAt: change.lastChangeAtMs === null || change.lastChangeAtMs === undefined ? check.lastChangeAt : new Date(change.lastChangeAtMs).toISOString(),
        // An acknowledgement is of one problem: a change of the confirmed state ends it (as the result processor does).
        acknowledged: 'acknowledged' in change ? change.acknowledged : check.acknowledged && check.hardStatus === change.hardStatus,
      };
      for (const field of ['inDowntime', 'suppressed']) if (field in change) next[field] = change[field];
      this.applyCheck(next);
    }
    if (unknown.length > 0) this.fetchUnknown(unknown);
  }

  /** A newer state of a check (from a frame, or the answer to an action): row, detail, announcement. */
  applyCheck(check) {
    const before = this.lists.check(check.id);
    const merged = { ...before, ...check };
    this.lists.update(merged);
    if (this.detail?.checkId === check.id) this.detail.applyChange(merged);
    if (categoryOf(merged) === 'unhandled' && (!before || before.status !== merged.status)) announce(`${displayName(merged)} is ${merged.status}`);
  }

  /** Checks named by a frame that the page has not loaded: a new check, or one past the loaded pages. */
  fetchUnknown(checkIds) {
    for (const checkId of checkIds.slice(0, UNKNOWN_CHECKS_FETCHED)) {
      api(`${this.base}/checks/${seg(checkId)}`).then((check) => {
        if (!this.nextCursor || categoryOf(check) !== 'healthy') this.applyCheck(check);
      }, () => {});
    }
  }
}
