/**
 * `ferry sim`: the figures of a run. `results()` turns the ledger into the
 * results.json object, `messagesCsv()` the rows of messages.csv, and `summaryTable()` is the table
 * printed in the terminal (report.ts draws report.html and writes the three files).
 *
 * Latency is sent -> first copy received. Percentiles are nearest-rank: the p-th percentile of n
 * sorted values is the value at 1-based rank ceil(p/100 * n); null when there is no value.
 */
import { check, firstReceived } from './ledger.js'
import type { Ledger, LedgerEntry } from './ledger.js'

/** Nearest-rank percentiles, ms; null when there is no data. */
export interface Percentiles { p50: number | null, p95: number | null, p99: number | null }

/** Percentiles of one delivery path and how many messages took it. */
export interface PathLatency extends Percentiles { count: number }

/** The delivery path of a received message: from its delivery receipt, 'unknown' without one. */
export type DeliveryPath = 'direct' | 'mailbox' | 'unknown'

/** One point of the delivery curve: cumulative counts up to and including wall time `t` (ms). */
export interface DeliveryPoint { t: number, sent: number, delivered: number }

/** Software versions of the run. */
export interface Versions { ferry: string, node: string, libp2p: string }

/** A sample of mail held at mailbox hosts: `t` wall ms, `held` messages over all hosts. */
export interface MailboxSample { t: number, held: number, byHost?: Record<string, number> }

/**
 * What runners measure besides the ledger, copied into results.json as `metrics`. Every field is
 * optional; extra fields are kept. `bytesOnWire` also yields `bytesPerDelivered` at top level.
 */
export interface RunnerMetrics {
  /**
   * bytes sent on the wire by all nodes over the measured span: in-process, what libp2p handed the
   * transport (node/sim/meter.ts); netns, the kernel's count of every node's link (netns.ts)
   */
  bytesOnWire?: number
  /** drawn in report.html when present */
  mailboxOccupancy?: MailboxSample[]
  /** DHT peer lookups (Reach's last resort), protocol/directory/dht-stats.ts: hops of those that succeeded */
  dht?: { lookups: number, succeeded: number, meanHops?: number, meanQueried?: number }
  /** per node: resident memory (rssBytes: its last process's peak; peakRssBytes: the peak over all its processes, restarts included) and CPU time of its last process */
  nodes?: Array<{ name: string, rssBytes?: number, cpuMs?: number, peakRssBytes?: number }>
  /** in-process: the whole process's CPU time averaged over the nodes (the driver's included) */
  cpuMsPerNode?: number
  /** in-process: the whole process's (peak) resident memory averaged over the nodes */
  memoryPerNodeBytes?: number
  /** the furthest behind its plan a step began (wall ms): 0 when the machine kept up */
  lateMs?: number
  /** wall ms the run went on after its end waiting for acknowledged messages (scenario drainMs) */
  drainedMs?: number
  /** messages a node's changes feed (changedAfter) never reported, found by the driver's full read at the end */
  missedByFeed?: Array<{ node: string, id: string, rev: number, direction: 'in' | 'out', status: string }>
  [other: string]: unknown
}

/** The figures a run's rows give, over every row (Results) or over the room rows alone (RoomFigures). */
type RowFigures = Pick<Results, 'sent' | 'delivered' | 'lost' | 'duplicated' | 'deliveredAfterExpiry' | 'deliveredAfterRemoval' | 'unaddressed' | 'removed' | 'pending' | 'expired' | 'notSent' | 'latencyMs' | 'latencyByPath'>

/**
 * The room rows of a run (one per room message and recipient; ledger.ts): their outcomes as in
 * Results (`sent`: rows of sent messages; `notSent`: rows of messages whose sender was down), and
 * the delivery ratio = delivered / (sent − removed), since a removal overtakes what was on its way.
 */
export interface RoomFigures extends RowFigures {
  rooms: number
  /** room messages sent */
  messages: number
  deliveryRatio: number | null
}

/** The results.json object. */
export interface Results {
  ok: boolean
  /** messages with a 'sent' observation */
  sent: number
  /** messages received at least once */
  delivered: number
  lost: number
  duplicated: number
  deliveredAfterExpiry: number
  /** room message copies opened by a node removed before it was sent (ledger.ts) */
  deliveredAfterRemoval: number
  /** other room message copies opened by a node they were not sealed for */
  unaddressed: number
  /** room rows overtaken by the removal of their recipient or sender (ledger.ts) */
  removed: number
  pending: number
  /** sent, unacknowledged, expired, never received */
  expired: number
  notSent: number
  latencyMs: Percentiles
  latencyByPath: Record<DeliveryPath, PathLatency>
  deliveryOverTime: DeliveryPoint[]
  bytesPerDelivered: number | null
  /** the room rows alone, when the scenario has rooms (every other figure counts them with the direct messages) */
  rooms?: RoomFigures
  /** the checker's examples (at most 20) */
  failures: string[]
  versions: Versions
  scenario: string
  seed: number
  config: unknown
  /** when the run ended, wall ms since it started (the ledger's clock) */
  endedAt: number
  /** wall time of the whole run, set-up included */
  wallMs: number
  metrics: RunnerMetrics
}

/** What `results()` needs besides the ledger. */
export interface ResultsInit {
  endedAt: number
  scenario: string
  seed: number
  /** the scenario as run (JSON-serialisable) */
  config: unknown
  versions: Versions
  wallMs: number
  metrics?: RunnerMetrics
  /** points of `deliveryOverTime`, default 20 */
  buckets?: number
  /** how many rooms the plan made (results.json then has `rooms`) */
  rooms?: number
}

/**
 * The p-th percentile by nearest rank.
 *
 * @param sorted - values in ascending order
 * @param p - 0 < p <= 100
 * @returns null for no values
 * @throws {RangeError} when p is out of range
 */
export function percentile (sorted: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError('"p" must be in (0, 100]')
  if (sorted.length === 0) return null
  return sorted[Math.max(1, Math.ceil(p / 100 * sorted.length)) - 1]
}

/** p50, p95 and p99 by nearest rank of unsorted values. */
export function percentiles (values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b)
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) }
}

/** Sent -> first received, ms, with the delivery path, for every received message sent in the run. */
export function latencies (entries: readonly LedgerEntry[]): Array<{ ms: number, path: DeliveryPath }> {
  const out: Array<{ ms: number, path: DeliveryPath }> = []
  for (const e of entries) {
    const first = firstReceived(e)
    if (e.sentAt != null && first != null) out.push({ ms: first - e.sentAt, path: e.via ?? 'unknown' })
  }
  return out
}

/**
 * Cumulative sent and delivered (first copy) counts at `buckets` evenly spaced instants over the run,
 * the last at `endedAt`.
 */
export function deliveryOverTime (entries: readonly LedgerEntry[], endedAt: number, buckets: number): DeliveryPoint[] {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError('"buckets" must be a positive integer')
  const sent = entries.flatMap(e => e.sentAt == null ? [] : [e.sentAt]).sort((a, b) => a - b)
  const got = entries.flatMap(e => { const f = firstReceived(e); return f == null ? [] : [f] }).sort((a, b) => a - b)
  const points: DeliveryPoint[] = []
  for (let i = 1; i <= buckets; i++) {
    const t = i === buckets ? endedAt : Math.round(endedAt * i / buckets)
    points.push({ t, sent: countAtMost(sent, t), delivered: countAtMost(got, t) })
  }
  return points
}

function countAtMost (sorted: readonly number[], t: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The results.json object of a run: the checker's verdict and the figures of the ledger.
 *
 * @example
 * const r = results(ledger, { endedAt, scenario: 'team-churn', seed: 1, config: scenario, versions, wallMs })
 */
export function results (ledger: Ledger, init: ResultsInit): Results {
  const { endedAt } = init
  const entries = ledger.entries({ endedAt })
  const verdict = check(ledger, { endedAt })
  const lat = latencies(entries)
  const count = (f: (e: LedgerEntry) => boolean): number => entries.filter(f).length
  const delivered = count(e => e.outcome === 'delivered')
  const metrics = init.metrics ?? {}
  const roomRows = entries.filter(e => e.room != null)
  return {
    ok: verdict.ok,
    sent: count(e => e.sentAt != null),
    delivered,
    lost: verdict.lost,
    duplicated: verdict.duplicated,
    deliveredAfterExpiry: verdict.deliveredAfterExpiry,
    deliveredAfterRemoval: verdict.deliveredAfterRemoval,
    unaddressed: verdict.unaddressed,
    removed: count(e => e.outcome === 'removed'),
    pending: count(e => e.outcome === 'pending'),
    expired: count(e => e.outcome === 'expired'),
    notSent: count(e => e.outcome === 'not-sent'),
    latencyMs: percentiles(lat.map(l => l.ms)),
    latencyByPath: byPaths(lat),
    ...(init.rooms == null ? {} : { rooms: roomFigures(roomRows, init.rooms, verdict, ledger) }),
    deliveryOverTime: deliveryOverTime(entries, endedAt, init.buckets ?? 20),
    bytesPerDelivered: typeof metrics.bytesOnWire === 'number' && delivered > 0 ? Math.round(metrics.bytesOnWire / delivered) : null,
    failures: verdict.failures,
    versions: init.versions,
    scenario: init.scenario,
    seed: init.seed,
    config: init.config,
    endedAt,
    wallMs: init.wallMs,
    metrics
  }
}

function byPaths (lat: Array<{ ms: number, path: DeliveryPath }>): Record<DeliveryPath, PathLatency> {
  const byPath = (path: DeliveryPath): PathLatency => {
    const ms = lat.filter(l => l.path === path).map(l => l.ms)
    return { ...percentiles(ms), count: ms.length }
  }
  return { direct: byPath('direct'), mailbox: byPath('mailbox'), unknown: byPath('unknown') }
}

function roomFigures (rows: LedgerEntry[], rooms: number, verdict: ReturnType<typeof check>, ledger: Ledger): RoomFigures {
  const count = (f: (e: LedgerEntry) => boolean): number => rows.filter(f).length
  const sent = count(e => e.sentAt != null)
  const delivered = count(e => e.outcome === 'delivered')
  const removed = count(e => e.outcome === 'removed')
  const lat = latencies(rows)
  return {
    rooms,
    messages: new Set(rows.filter(e => e.sentAt != null).map(e => e.key)).size,
    sent,
    delivered,
    deliveryRatio: sent - removed > 0 ? delivered / (sent - removed) : null,
    lost: count(e => e.outcome === 'lost'),
    duplicated: count(e => e.receivedAt.length > 1),
    deliveredAfterExpiry: count(e => e.expiresAt != null && e.receivedAt.some(t => t + ledger.clockOffset(e.to) > (e.expiresAt as number))),
    deliveredAfterRemoval: verdict.deliveredAfterRemoval,
    unaddressed: verdict.unaddressed,
    removed,
    pending: count(e => e.outcome === 'pending'),
    expired: count(e => e.outcome === 'expired'),
    notSent: count(e => e.outcome === 'not-sent'),
    latencyMs: percentiles(lat.map(l => l.ms)),
    latencyByPath: byPaths(lat)
  }
}

/** The columns of messages.csv, in order. */
export const CSV_COLUMNS = ['key', 'from', 'to', 'size', 'ttl_ms', 'disappearing', 'sent_at', 'id', 'stored_at', 'mailboxes',
  'delivered_at', 'via', 'received_at', 'copies', 'read_at', 'expired_at', 'outcome', 'error', 'room'] as const

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField (value: string | number | boolean | undefined): string {
  const s = value == null ? '' : String(value)
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/** messages.csv: a header and one row per ledger entry (received_at is the first copy; a room row names its room and its recipient in `to`). */
export function messagesCsv (entries: readonly LedgerEntry[]): string {
  const rows = entries.map(e => [e.key, e.from, e.to, e.size, e.ttlMs, e.disappearing, e.sentAt, e.id, e.storedAt, e.mailboxes,
    e.deliveredAt, e.via, firstReceived(e), e.receivedAt.length, e.readAt, e.expiredAt, e.outcome, e.sendError, e.room].map(csvField).join(','))
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n'
}

/** A figure of what the run cost, for the summaries: a label and its value as shown. */
export interface CostFigure { label: string, value: string }

/**
 * What the run cost, as far as the runner measured it: bytes per delivered message, DHT lookups
 * found and their mean hops, CPU time and memory per node. Per-node figures come from
 * `cpuMsPerNode` / `memoryPerNodeBytes` when the runner set them, else are the mean of `nodes`.
 * Empty when nothing was measured.
 */
export function costFigures (res: Results): CostFigure[] {
  const m = res.metrics
  const out: CostFigure[] = []
  const mean = (values: Array<number | undefined>): number | undefined => {
    const v = values.filter((x): x is number => typeof x === 'number')
    return v.length === 0 ? undefined : v.reduce((a, b) => a + b, 0) / v.length
  }
  if (res.bytesPerDelivered != null) out.push({ label: 'bytes per delivered message', value: String(res.bytesPerDelivered) })
  if (m.dht != null && m.dht.lookups > 0) {
    out.push({ label: 'DHT lookups found', value: `${m.dht.succeeded}/${m.dht.lookups} (${Math.round(100 * m.dht.succeeded / m.dht.lookups)} %)` })
    if (m.dht.meanHops != null) out.push({ label: 'DHT mean hops', value: m.dht.meanHops.toFixed(2) })
  }
  const cpu = m.cpuMsPerNode ?? mean(m.nodes?.map(n => n.cpuMs) ?? [])
  if (cpu != null) out.push({ label: 'CPU ms per node', value: String(Math.round(cpu)) })
  const rss = m.memoryPerNodeBytes ?? mean(m.nodes?.map(n => n.rssBytes) ?? [])
  if (rss != null) out.push({ label: 'memory MiB per node', value: (rss / 2 ** 20).toFixed(1) })
  return out
}

/**
 * The terminal summary: counts, latency percentiles per path, ok/FAILED and, when measured, what
 * the run cost (costFigures), in aligned columns.
 */
export function summaryTable (res: Results): string {
  const counts = [
    ['sent', 'delivered', 'lost', 'duplicated', 'after expiry', 'pending', 'expired', 'not sent', 'result'],
    [res.sent, res.delivered, res.lost, res.duplicated, res.deliveredAfterExpiry, res.pending, res.expired, res.notSent, res.ok ? 'ok' : 'FAILED']
  ]
  const ms = (v: number | null): string => v == null ? '-' : String(Math.round(v))
  const paths = (['direct', 'mailbox', 'unknown'] as const).map(path => [path, res.latencyByPath[path]] as const)
  const measured = paths.reduce((n, [, p]) => n + p.count, 0)
  const lat: Array<Array<string | number>> = [['latency ms', 'p50', 'p95', 'p99', 'count'],
    ['all', ms(res.latencyMs.p50), ms(res.latencyMs.p95), ms(res.latencyMs.p99), measured],
    ...paths.filter(([path, p]) => path !== 'unknown' || p.count > 0).map(([path, p]) => [path, ms(p.p50), ms(p.p95), ms(p.p99), p.count])]
  const cost = costFigures(res)
  const costs = cost.length === 0 ? '' : '\n' + align([cost.map(c => c.label), cost.map(c => c.value)], false) + '\n'
  const r = res.rooms
  const rooms = r == null
    ? ''
    : '\n' + align([['rooms', 'messages', 'recipients', 'delivered', 'ratio', 'lost', 'duplicated', 'after removal', 'removed', 'p50 ms', 'p95 ms'],
      [r.rooms, r.messages, r.sent, r.delivered, r.deliveryRatio == null ? '-' : r.deliveryRatio.toFixed(3), r.lost, r.duplicated, r.deliveredAfterRemoval, r.removed, ms(r.latencyMs.p50), ms(r.latencyMs.p95)]], false) + '\n'
  return align(counts, false) + '\n\n' + align(lat, true) + '\n' + rooms + costs
}

/** Columns padded to their widest cell: right-aligned, the first left-aligned when it holds labels. */
function align (rows: Array<Array<string | number>>, leftFirst: boolean): string {
  const cells = rows.map(r => r.map(String))
  const widths = cells[0].map((_, i) => Math.max(...cells.map(r => r[i].length)))
  return cells.map(r => r.map((c, i) => i === 0 && leftFirst ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ').trimEnd()).join('\n')
}
