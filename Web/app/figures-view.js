// Live figures, sampled every two seconds and drawn as small charts: for the chamber's staff, members online and
// messages waiting for review (over the socket); for platform administrators also the node's own figures from
// `/metrics` (connections, messages and frames a second), which cover every chamber on the node.

import { h, show } from './dom.js';

const every = 2000;
const kept = 60;

export class FiguresView {
  constructor(client, isPlatformAdmin) {
    this.client = client;
    this.isPlatformAdmin = isPlatformAdmin;
    this.series = new Map();
    this.previous = null;
    this.charts = h('div', { class: 'figures' });
    this.element = h('main', { id: 'main', class: 'page' },
      h('h1', {}, 'Live figures'),
      h('p', { class: 'note' }, 'Sampled every two seconds; the last two minutes are drawn.'), this.charts);
    this.sample();
    this.timer = setInterval(() => this.sample(), every);
  }

  record(name, value) {
    const values = this.series.get(name) ?? [];
    values.push(value);
    if (values.length > kept) values.shift();
    this.series.set(name, values);
  }

  async sample() {
    this.record('Members online', this.client.onlineCount);
    try {
      const queue = await this.client.socket.request({ type: 'review_queue', state: 'pending', limit: 200 });
      this.record('Messages waiting for review', queue.items.length);
    } catch {
      // Offline, or a role that may not read the queue: the chart waits.
    }
    if (this.isPlatformAdmin) await this.sampleNode();
    this.draw();
  }

  /** The node's Prometheus text: gauges as they are, counters as rates since the last sample. */
  async sampleNode() {
    try {
      const text = await (await fetch('/metrics')).text();
      const total = (name) => text.split('\n').filter((line) => line.startsWith(name) && !line.startsWith('#'))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
      const now = { at: Date.now(), messages: total('chamber_messages_published_total'), frames_in: total('chamber_ws_frames_in_total'), frames_out: total('chamber_ws_frames_out_total') };
      this.record('Node: open sockets', total('chamber_ws_connections '));
      if (this.previous) {
        const seconds = (now.at - this.previous.at) / 1000;
        this.record('Node: messages a second', Math.max(0, (now.messages - this.previous.messages) / seconds));
        this.record('Node: frames in a second', Math.max(0, (now.frames_in - this.previous.frames_in) / seconds));
        this.record('Node: frames out a second', Math.max(0, (now.frames_out - this.previous.frames_out) / seconds));
      }
      this.previous = now;
    } catch {
      // The next sample tries again.
    }
  }

  draw() {
    show(this.charts, [...this.series].map(([name, values]) => chart(name, values)));
  }

  update() {}

  detach() {
    clearInterval(this.timer);
  }
}

/** A small line chart of `values`, with the latest value written out for everyone (and read out by screen readers). */
function chart(name, values) {
  const width = 240;
  const height = 60;
  const top = Math.max(1, ...values);
  const points = values.map((value, index) => `${(index / (kept - 1)) * width},${height - (value / top) * (height - 4) - 2}`).join(' ');
  const svgNamespace = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNamespace, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(svgNamespace, 'polyline');
  line.setAttribute('points', points);
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', 'currentColor');
  line.setAttribute('stroke-width', '2');
  svg.append(line);
  const latest = values[values.length - 1] ?? 0;
  const shown = Number.isInteger(latest) ? String(latest) : latest.toFixed(1);
  return h('figure', { class: 'card figure', dataset: { figure: name } },
    h('figcaption', {}, name, ': ', h('strong', { class: 'figure-value' }, shown)), svg);
}
