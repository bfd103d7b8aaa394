/**
 * Building the page without a framework. Everything goes through `h`, which sets text with text
 * nodes and attributes with setAttribute: nothing is parsed as HTML, so a check's output or name
 * can never inject markup (and the Content-Security-Policy's Trusted Types rule would refuse it).
 */
import { statusClass } from './status.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * An element: `h('a', { href: '#/', class: 'link', onclick: fn }, 'text', child)`.
 * `on*` props become listeners; `null`, `undefined` and `false` props and children are skipped.
 */
export function h(tag, props = {}, ...children) {
  return build(document.createElement(tag), props, children);
}

/** An SVG element, as `h`. */
export function s(tag, props = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(element, props, children) {
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  return build(element, {}, children);
}

/** A status written out, coloured: colour is never the only sign. */
export function statusBadge(status, extraClass = '') {
  return h('span', { class: `badge ${statusClass(status)} ${extraClass}`.trim() }, status);
}

/**
 * A short background flash (~600 ms, styles.css `.flash`) that shows what just changed.
 * Restarting the animation needs the class off for one style recalculation.
 */
export function flash(element) {
  element.classList.remove('flash');
  void element.offsetWidth;
  element.classList.add('flash');
  element.addEventListener('animationend', () => element.classList.remove('flash'), { once: true });
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A time as a `<time>` element: the clock time today, the date too otherwise. */
export function timeElement(at) {
  if (at === null || at === undefined) return h('span', { class: 'muted' }, 'never');
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return h('span', { class: 'muted' }, 'unknown');
  const today = new Date().toDateString() === date.toDateString();
  return h('time', { datetime: date.toISOString(), title: dateTimeFormat.format(date) }, today ? timeFormat.format(date) : dateTimeFormat.format(date));
}

/** Seconds as people write them: 30s, 5m, 1h30m. */
export function formatSeconds(totalS) {
  if (totalS === null || totalS === undefined) return '–';
  const parts = [];
  let rest = Math.round(totalS);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60]]) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return parts.join('');
}

/** Reads a message out to screen reader users (index.html's polite live region). */
export function announce(message) {
  const announcer = document.getElementById('announcer');
  if (announcer) announcer.textContent = message;
}
