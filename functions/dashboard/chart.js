/**
 * A readings chart as inline SVG, no library: the average as a line over the min-max band of each
 * downsampled bucket (the API's `{ at, avg, min, max }` points), with the value range and the time
 * range written on the axes. Screen readers get a one-line summary instead of the drawing.
 */
import { h, s } from './dom.js';

const WIDTH = 600;
const HEIGHT = 160;
const PAD = { left: 66, right: 8, top: 10, bottom: 22 };

const number = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 4 });
const time = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** One chart for one series `{ name, unit, points }`. */
export function readingsChart(series) {
  const unit = series.unit ? ` ${series.unit}` : '';
  const points = series.points.filter((p) => Number.isFinite(p.avg));
  const title = `${series.name}${series.unit ? ` (${series.unit})` : ''}`;
  if (points.length === 0) return h('figure', { class: 'chart' }, h('figcaption', {}, title), h('p', { class: 'muted' }, 'No values in this range.'));

  const times = points.map((p) => Date.parse(p.at));
  const lows = points.map((p) => (Number.isFinite(p.min) ? p.min : p.avg));
  const highs = points.map((p) => (Number.isFinite(p.max) ? p.max : p.avg));
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  let [v0, v1] = [Math.min(0, ...lows), Math.max(...highs)];
  if (v1 === v0) v1 = v0 + 1;
  const x = (t) => PAD.left + (t1 === t0 ? (WIDTH - PAD.left - PAD.right) / 2 : ((t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right));
  const y = (v) => PAD.top + (1 - (v - v0) / (v1 - v0)) * (HEIGHT - PAD.top - PAD.bottom);
  const xy = (t, v) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`;

  const line = points.map((p, i) => xy(times[i], p.avg)).join(' ');
  const band = [...points.map((_, i) => xy(times[i], highs[i])), ...points.map((_, i) => xy(times[i], lows[i])).reverse()].join(' ');
  const latest = points[points.length - 1];
  const when = t1 === t0 ? `1 point at ${time.format(t0)}` : `${points.length} points from ${time.format(t0)} to ${time.format(t1)}`;
  const summary = `${title}: ${when}, between ${number.format(Math.min(...lows))} and ${number.format(Math.max(...highs))}${unit}, latest ${number.format(latest.avg)}${unit}`;

  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': summary, class: 'chart-svg' },
    s('title', {}, summary),
    s('line', { class: 'axis', x1: PAD.left, y1: y(v0), x2: WIDTH - PAD.right, y2: y(v0) }),
    s('line', { class: 'axis', x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: HEIGHT - PAD.bottom }),
    s('text', { class: 'tick', x: PAD.left - 4, y: y(v1) + 4, 'text-anchor': 'end' }, number.format(v1)),
    s('text', { class: 'tick', x: PAD.left - 4, y: y(v0), 'text-anchor': 'end' }, number.format(v0)),
    t1 === t0
      ? s('text', { class: 'tick', x: x(t0), y: HEIGHT - 6, 'text-anchor': 'middle' }, time.format(t0))
      : [s('text', { class: 'tick', x: PAD.left, y: HEIGHT - 6, 'text-anchor': 'start' }, time.format(t0)),
        s('text', { class: 'tick', x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end' }, time.format(t1))],
    points.length > 1 ? s('polygon', { class: 'band', points: band }) : null,
    points.length > 1 ? s('polyline', { class: 'line', points: line }) : s('circle', { class: 'dot', cx: x(times[0]), cy: y(latest.avg), r: 3 }),
  );
  return h('figure', { class: 'chart' }, h('figcaption', {}, title, h('span', { class: 'muted' }, ` latest ${number.format(latest.avg)}${unit}`)), svg);
}
