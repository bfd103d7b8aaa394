/**
 * The site's group tree with each group's rolled-up state: the worst status of the problems
 * nobody has handled yet, and how many checks are in each state, over the group and everything
 * below it. Groups may have several parents (a DAG): such a group appears under each of them.
 */
import { flash, h, fill, statusBadge } from './dom.js';
import { STATUSES, isProblem } from './status.js';

/** Groups deeper than this start collapsed, so a big tree opens at a readable size. */
const OPEN_DEPTH = 2;

/** Turns a `groups` frame entry (counts flat) into the REST shape (counts nested). */
export function groupFromFrame(entry) {
  const { groupId, name, worstStatus, parentIds, counts, ...flat } = entry;
  return { id: groupId, name, worstStatus, parentIds, counts: counts ?? flat };
}

/** "12 checks · 2 critical · 1 warning · 1 handled": the worst problems first. */
export function countsText(counts = {}) {
  const parts = [`${counts.total ?? 0} ${counts.total === 1 ? 'check' : 'checks'}`];
  for (const status of [...STATUSES].reverse()) {
    const n = counts[status.toLowerCase()] ?? 0;
    if (n > 0 && isProblem(status)) parts.push(`${n} ${status.toLowerCase()}`);
  }
  if (counts.handled > 0) parts.push(`${counts.handled} handled`);
  return parts.join(' · ');
}

export class GroupTree {
  /**
   * @param {object} options
   * @param {(groupId: string | null) => string} options.href the link that filters the checks by a group
   */
  constructor({ href }) {
    this.href = href;
    this.groups = new Map();
    this.children = new Map();
    this.nodes = new Map();
    this.expanded = new Set();
    this.selected = null;
    this.element = h('nav', { class: 'group-tree', 'aria-label': 'Groups' }, h('p', { class: 'muted' }, 'Loading groups…'));
    this.allLink = null;
  }

  /** Replaces every group (the REST list, `{ items }`). */
  setGroups(groups) {
    const firstTime = this.groups.size === 0;
    this.groups = new Map(groups.map((group) => [group.id, group]));
    this.children = new Map();
    for (const group of groups) {
      for (const parentId of group.parentIds ?? []) {
        if (!this.groups.has(parentId)) continue;
        if (!this.children.has(parentId)) this.children.set(parentId, []);
        this.children.get(parentId).push(group);
      }
    }
    for (const list of this.children.values()) list.sort(byName);
    if (firstTime) this.openTo(OPEN_DEPTH);
    this.render();
  }

  /** The group and every group below it: what filtering by a group shows. */
  descendantsOf(groupId) {
    const found = new Set([groupId]);
    const queue = [groupId];
    while (queue.length > 0) {
      for (const child of this.children.get(queue.pop()) ?? []) {
        if (!found.has(child.id)) {
          found.add(child.id);
          queue.push(child.id);
        }
      }
    }
    return found;
  }

  /** Applies rolled-up groups from a `groups` frame; returns the ids it did not know. */
  update(entries) {
    const unknown = [];
    for (const entry of entries) {
      const change = groupFromFrame(entry);
      const group = this.groups.get(change.id);
      if (!group) {
        unknown.push(change.id);
        continue;
      }
      const counts = { ...group.counts, ...change.counts };
      if (group.worstStatus === change.worstStatus && JSON.stringify(counts) === JSON.stringify(group.counts)) continue;
      group.worstStatus = change.worstStatus;
      group.counts = counts;
      for (const node of this.nodes.get(group.id) ?? []) {
        fill(node, ...this.nodeLabel(group));
        flash(node);
      }
    }
    return unknown;
  }

  select(groupId) {
    this.selected = groupId;
    for (const [id, links] of this.nodes) for (const link of links) link.toggleAttribute('aria-current', id === groupId);
    this.allLink?.toggleAttribute('aria-current', groupId === null);
  }

  name(groupId) {
    return this.groups.get(groupId)?.name ?? 'unknown group';
  }

  openTo(depth) {
    const walk = (groups, level, path) => {
      if (level >= depth) return;
      for (const group of groups) {
        if (path.has(group.id)) continue;
        this.expanded.add(group.id);
        walk(this.children.get(group.id) ?? [], level + 1, new Set([...path, group.id]));
      }
    };
    walk(this.roots(), 0, new Set());
  }

  roots() {
    return [...this.groups.values()].filter((group) => !(group.parentIds ?? []).some((id) => this.groups.has(id))).sort(byName);
  }

  render() {
    this.nodes = new Map();
    if (this.groups.size === 0) {
      fill(this.element, h('p', { class: 'muted' }, 'This site has no groups.'));
      return;
    }
    this.allLink = h('a', { class: 'group-link all', href: this.href(null) }, 'All checks');
    fill(this.element, h('ul', { class: 'tree', role: 'list' }, h('li', {}, this.allLink), this.roots().map((group) => this.renderNode(group, new Set()))));
    this.select(this.selected);
  }

  renderNode(group, path) {
    const link = h('a', { class: 'group-link', href: this.href(group.id), 'data-group-id': group.id }, ...this.nodeLabel(group));
    if (!this.nodes.has(group.id)) this.nodes.set(group.id, []);
    this.nodes.get(group.id).push(link);
    // A cycle cannot be configured (the validator refuses it), but a tree walk never trusts that.
    const children = path.has(group.id) ? [] : this.children.get(group.id) ?? [];
    if (children.length === 0) return h('li', {}, h('span', { class: 'toggle-space' }), link);
    const open = this.expanded.has(group.id);
    const childList = h('ul', { role: 'list', hidden: !open }, children.map((child) => this.renderNode(child, new Set([...path, group.id]))));
    const toggle = h('button', {
      type: 'button', class: 'toggle', 'aria-expanded': String(open), 'aria-label': `${open ? 'Collapse' : 'Expand'} ${group.name}`,
      onclick: () => {
        const nowOpen = childList.hidden;
        childList.hidden = !nowOpen;
        toggle.setAttribute('aria-expanded', String(nowOpen));
        toggle.setAttribute('aria-label', `${nowOpen ? 'Collapse' : 'Expand'} ${group.name}`);
        if (nowOpen) this.expanded.add(group.id);
        else this.expanded.delete(group.id);
      },
    });
    return h('li', {}, toggle, link, childList);
  }

  nodeLabel(group) {
    return [h('span', { class: 'group-name' }, group.name), statusBadge(group.worstStatus), h('span', { class: 'group-counts' }, countsText(group.counts))];
  }
}

function byName(a, b) {
  return a.name.localeCompare(b.name);
}
