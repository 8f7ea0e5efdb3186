/**
 * `ferry sim`: report.html and the output directory. The page is one
 * self-contained file: uPlot (a maintained, MIT-licensed chart library) and its stylesheet are
 * inlined, the figures travel as a JSON block, so opening it needs no network. It draws the
 * latency CDF (direct vs mailbox), delivery over time with a marker per timeline event, mailbox
 * occupancy when the runner sampled it, the summary table and what the run cost when measured.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { costFigures, deliveryOverTime, latencies, messagesCsv } from './results.js'
import type { LedgerEntry, Ledger } from './ledger.js'
import type { DeliveryPath, PathLatency, Results } from './results.js'
import type { PlannedEvent } from './types.js'

/** Points drawn per curve at most (the CDF is resampled above this). */
const MAX_POINTS = 1000
const DELIVERY_POINTS = 200

let library: { js: string, css: string } | undefined

/** uPlot's browser build and stylesheet, read once from node_modules. */
function uplot (): { js: string, css: string } {
  if (library == null) {
    const require = createRequire(import.meta.url)
    library = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8')
    }
  }
  return library
}

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml (value: unknown): string {
  return String(value).replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

/** JSON safe inside a `<script>` element: no `<`, `>` or `&` survives literally. */
function scriptJson (value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Inline script text: `</script` and `<!--` cannot end or confuse the element. */
function scriptText (js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--')
}

/** The figures the page's charts draw (times in seconds for the axes). */
interface ChartData {
  cdf: { x: number[], series: Array<{ label: string, y: number[] }> }
  delivery: { t: number[], sent: number[], delivered: number[] }
  events: Array<{ t: number, label: string }>
  occupancy: { t: number[], held: number[] } | null
}

/** Share of `sorted` at or below each value of the ascending `grid`. */
function cdfOn (grid: readonly number[], sorted: readonly number[]): number[] {
  const y: number[] = []
  let i = 0
  for (const x of grid) {
    while (i < sorted.length && sorted[i] <= x) i++
    y.push(sorted.length === 0 ? 0 : i / sorted.length)
  }
  return y
}

function chartData (res: Results, entries: readonly LedgerEntry[], events: readonly PlannedEvent[]): ChartData {
  const lat = latencies(entries)
  const sorted = (path?: DeliveryPath): number[] => lat.filter(l => path == null || l.path === path).map(l => l.ms).sort((a, b) => a - b)
  const all = sorted()
  const unique = [...new Set(all)]
  const grid = unique.length <= MAX_POINTS ? unique : Array.from({ length: MAX_POINTS }, (_, i) => unique[Math.round(i * (unique.length - 1) / (MAX_POINTS - 1))])
  const series = [{ label: 'all', y: cdfOn(grid, all) }]
  for (const path of ['direct', 'mailbox', 'unknown'] as const) {
    const s = sorted(path)
    if (s.length > 0 || path !== 'unknown') series.push({ label: path, y: cdfOn(grid, s) })
  }
  const curve = deliveryOverTime(entries, res.endedAt, DELIVERY_POINTS)
  const samples = res.metrics.mailboxOccupancy ?? []
  return {
    cdf: { x: grid, series },
    delivery: { t: [0, ...curve.map(p => p.t / 1000)], sent: [0, ...curve.map(p => p.sent)], delivered: [0, ...curve.map(p => p.delivered)] },
    events: events.map(e => ({ t: e.at / 1000, label: e.nodes.length > 0 ? `${e.kind} ${e.nodes.slice(0, 3).join(',')}${e.nodes.length > 3 ? '…' : ''}` : e.kind })),
    occupancy: samples.length === 0 ? null : { t: samples.map(s => s.t / 1000), held: samples.map(s => s.held) }
  }
}

/** The page's own script: one uPlot per chart, event markers drawn on the delivery curve. */
const CHARTS_JS = `
const data = JSON.parse(document.getElementById('ferry-data').textContent)
const colors = { all: '#2ca02c', direct: '#1f77b4', mailbox: '#ff7f0e', unknown: '#7f7f7f', sent: '#555', delivered: '#1f77b4', held: '#9467bd' }
const width = () => Math.max(320, Math.min(960, document.body.clientWidth - 32))
const markers = events => ({ hooks: { draw: [u => {
  const ctx = u.ctx, px = devicePixelRatio
  ctx.save(); ctx.strokeStyle = '#c33'; ctx.fillStyle = '#c33'; ctx.textAlign = 'left'; ctx.textBaseline = 'alphabetic'; ctx.setLineDash([4 * px, 4 * px]); ctx.font = (10 * px) + 'px sans-serif'
  events.forEach((e, i) => {
    const x = Math.round(u.valToPos(e.t, 'x', true))
    if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return
    ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke()
    ctx.fillText(e.label, x + 3 * px, u.bbox.top + (12 + 12 * (i % 4)) * px)
  })
  ctx.restore()
}] } })
function chart (id, xLabel, yLabel, series, cols, plugins, step) {
  const el = document.getElementById(id)
  if (cols[0].length === 0) { el.textContent = 'no data'; return }
  new uPlot({
    width: width(), height: 300, plugins, scales: { x: { time: false } },
    axes: [{ label: xLabel }, { label: yLabel }],
    series: [{ label: xLabel }, ...series.map(label => ({ label, stroke: colors[label], width: 2, paths: step ? uPlot.paths.stepped({ align: 1 }) : undefined }))]
  }, cols, el)
}
chart('chart-latency', 'latency (ms)', 'share received', data.cdf.series.map(s => s.label), [data.cdf.x, ...data.cdf.series.map(s => s.y)], [], true)
chart('chart-delivery', 'time (s)', 'messages (cumulative)', ['sent', 'delivered'], [data.delivery.t, data.delivery.sent, data.delivery.delivered], [markers(data.events)], false)
if (data.occupancy != null) chart('chart-occupancy', 'time (s)', 'messages held', ['held'], [data.occupancy.t, data.occupancy.held], [markers(data.events)], false)
`

function row (cells: unknown[], tag = 'td'): string {
  return '<tr>' + cells.map(c => `<${tag}>${escapeHtml(c ?? '-')}</${tag}>`).join('') + '</tr>'
}

/** The room rows alone (results.ts RoomFigures): one row of figures under a heading, or nothing without rooms. */
function roomsHtml (r: Results['rooms'], ms: (v: number | null) => string | null): string {
  if (r == null) return ''
  const head = ['rooms', 'messages', 'recipients', 'delivered', 'ratio', 'lost', 'duplicated', 'after removal', 'unaddressed', 'removed', 'p50 ms', 'p95 ms']
  const cells = [r.rooms, r.messages, r.sent, r.delivered, r.deliveryRatio == null ? null : r.deliveryRatio.toFixed(3), r.lost, r.duplicated, r.deliveredAfterRemoval, r.unaddressed, r.removed, ms(r.latencyMs.p50), ms(r.latencyMs.p95)]
  return `<h2>Team rooms (one row per message and recipient)</h2><table class="rooms">${row(head, 'th')}${row(cells)}</table>`
}

function summaryHtml (res: Results, entries: readonly LedgerEntry[]): string {
  const counts = [['result', res.ok ? 'ok' : 'FAILED'], ['sent', res.sent], ['delivered', res.delivered], ['lost', res.lost],
    ['duplicated', res.duplicated], ['delivered after expiry', res.deliveredAfterExpiry], ['pending', res.pending],
    ['expired unacknowledged', res.expired], ['not sent', res.notSent],
    ...(res.rooms == null ? [] : [['delivered after removal', res.deliveredAfterRemoval], ['unaddressed', res.unaddressed], ['removed', res.removed]])]
  const byPath = Object.entries(res.latencyByPath)
  const paths = [['all', { ...res.latencyMs, count: byPath.reduce((n, [, p]) => n + p.count, 0) }], ...byPath] as Array<[string, PathLatency]>
  const ms = (v: number | null): string | null => v == null ? null : v.toFixed(Number.isInteger(v) ? 0 : 1)
  // a room message not sent has a row per member: listed once
  const notSent = [...new Map(entries.filter(e => e.outcome === 'not-sent').map(e => [e.key, e])).values()].slice(0, 20)
  const { mailboxOccupancy: _, ...metrics } = res.metrics
  const cost = costFigures(res)
  return `<table class="counts">${counts.map(c => row(c)).join('')}</table>
<table class="latency">${row(['latency ms', 'p50', 'p95', 'p99', 'count'], 'th')}${paths.map(([k, p]) => row([k, ms(p.p50), ms(p.p95), ms(p.p99), p.count])).join('')}</table>
${roomsHtml(res.rooms, ms)}
${cost.length === 0 ? '' : `<table class="cost">${cost.map(c => row([c.label, c.value])).join('')}</table>`}
<table class="run">${row(['scenario', res.scenario])}${row(['seed', res.seed])}${row(['wall time ms', res.wallMs])}${row(['run ended at ms', res.endedAt])}${row(['ferry', res.versions.ferry])}${row(['node', res.versions.node])}${row(['libp2p', res.versions.libp2p])}</table>
${res.failures.length === 0 ? '' : `<h2>Checker failures</h2><ul class="failures">${res.failures.map(f => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`}
${notSent.length === 0 ? '' : `<h2>Not sent</h2><table class="not-sent">${notSent.map(e => row([e.key, e.sendError ?? 'never attempted'])).join('')}</table>`}
${Object.keys(metrics).length === 0 ? '' : `<h2>Runner metrics</h2><pre>${escapeHtml(JSON.stringify(metrics, null, 2))}</pre>`}`
}

/**
 * The report page of a run, one self-contained HTML document.
 *
 * @param res - the run's results
 * @param entries - the ledger's rows (for the latency CDF and the delivery curve)
 * @param events - timeline events, `at` in wall ms since the run started, drawn as markers
 */
export function renderReport (res: Results, entries: readonly LedgerEntry[], events: readonly PlannedEvent[] = []): string {
  const lib = uplot()
  const title = `ferry sim: ${res.scenario} (seed ${res.seed})`
  const occupancy = (res.metrics.mailboxOccupancy ?? []).length > 0
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${lib.css.replace(/<\//g, '<\\/')}
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #222 }
table { border-collapse: collapse; margin: 8px 16px 8px 0; display: inline-table; vertical-align: top }
td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right } td:first-child { text-align: left }
.ok { color: #2a7 } .failed { color: #c33 }
</style></head><body>
<h1>${escapeHtml(title)} <span class="${res.ok ? 'ok' : 'failed'}">${res.ok ? 'ok' : 'FAILED'}</span></h1>
${summaryHtml(res, entries)}
<h2>Latency CDF (sent to first received)</h2><div id="chart-latency"></div>
<h2>Delivery over time</h2><div id="chart-delivery"></div>
${occupancy ? '<h2>Mailbox occupancy</h2><div id="chart-occupancy"></div>' : ''}
<script type="application/json" id="ferry-data">${scriptJson(chartData(res, entries, events))}</script>
<script>${scriptText(lib.js)}</script>
<script>${scriptText(CHARTS_JS)}</script>
</body></html>
`
}

/** What report.html draws besides the results and the ledger. */
export interface ReportExtras {
  /** timeline events with `at` in wall ms since the run started, drawn as markers */
  events?: PlannedEvent[]
}

/**
 * Write results.json (pretty), messages.csv and report.html into `dir` (made if missing).
 *
 * @returns the paths written
 * @example
 * writeOutputs('out/team-churn', results(ledger, init), ledger, { events: wallEvents })
 */
export function writeOutputs (dir: string, res: Results, ledger: Ledger, extras: ReportExtras = {}): { results: string, messages: string, report: string } {
  mkdirSync(dir, { recursive: true })
  const entries = ledger.entries({ endedAt: res.endedAt })
  const paths = { results: join(dir, 'results.json'), messages: join(dir, 'messages.csv'), report: join(dir, 'report.html') }
  writeFileSync(paths.results, JSON.stringify(res, null, 2) + '\n')
  writeFileSync(paths.messages, messagesCsv(entries))
  writeFileSync(paths.report, renderReport(res, entries, extras.events ?? []))
  return paths
}
