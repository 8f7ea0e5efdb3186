/**
 * `ferry sim` ledger, checker, results and outputs, on synthetic
 * observations whose figures are worked out by hand below.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { check, Ledger, MAX_FAILURES, UnknownMessageError } from '../../node/sim/ledger.js'
import { csvField, percentile, percentiles, results, summaryTable, CSV_COLUMNS } from '../../node/sim/results.js'
import { renderReport, writeOutputs } from '../../node/sim/report.js'
import { haveChromium, launchChromium } from '../browser/chromium.js'
import type { Observation, PlannedEvent, PlannedMessage } from '../../node/sim/types.js'
import type { Results, ResultsInit } from '../../node/sim/results.js'

const ENDED = 5000
const NASTY = 'no route, "peer" offline\nretry later'

function msg (key: string, from = 'a-0', to = 'b-0'): PlannedMessage {
  return { key, at: 0, from, to, size: 100, ttlMs: 60_000, disappearing: false }
}

/** m0..m5: one of each outcome, nothing wrong. */
const CLEAN: Observation[] = [
  // m0: delivered directly, 50 ms
  { kind: 'sent', key: 'm0', at: 0, id: 'id0', expiresAt: 60_000 },
  { kind: 'received', key: 'm0', at: 50, node: 'b-0' },
  { kind: 'delivered', key: 'm0', at: 55, via: 'direct' },
  // m1: via two mailboxes, 1490 ms, read
  { kind: 'sent', key: 'm1', at: 10, id: 'id1', expiresAt: 60_000 },
  { kind: 'stored', key: 'm1', at: 20, mailboxes: 1 },
  { kind: 'stored', key: 'm1', at: 30, mailboxes: 2 },
  { kind: 'received', key: 'm1', at: 1500, node: 'b-0' },
  { kind: 'delivered', key: 'm1', at: 1510, via: 'mailbox' },
  { kind: 'read', key: 'm1', at: 1600 },
  // m2: never acknowledged, expired
  { kind: 'sent', key: 'm2', at: 20, id: 'id2', expiresAt: 1000 },
  { kind: 'expired', key: 'm2', at: 1000 },
  // m3: never acknowledged, not yet expired: pending
  { kind: 'sent', key: 'm3', at: 2500, id: 'id3', expiresAt: 100_000 },
  // m4: the send failed; m5: never attempted
  { kind: 'send-failed', key: 'm4', at: 40, error: NASTY }
]

/** m6..m8: a lost acknowledged message, a duplicate and a late delivery. */
const FAULTS: Observation[] = [
  { kind: 'sent', key: 'm6', at: 40, id: 'id6', expiresAt: 2000 },
  { kind: 'stored', key: 'm6', at: 60, mailboxes: 1 },
  { kind: 'sent', key: 'm7', at: 50, id: 'id7', expiresAt: 60_000 },
  { kind: 'received', key: 'm7', at: 70, node: 'b-0' },
  { kind: 'delivered', key: 'm7', at: 80, via: 'direct' },
  { kind: 'received', key: 'm7', at: 300, node: 'b-0' },
  { kind: 'sent', key: 'm8', at: 60, id: 'id8', expiresAt: 900 },
  { kind: 'received', key: 'm8', at: 950, node: 'b-0' }
]

function ledgerOf (keys: number, observations: Observation[]): Ledger {
  const ledger = new Ledger(Array.from({ length: keys }, (_, i) => msg(`m${i}`)))
  for (const o of observations) ledger.observe(o)
  return ledger
}

const INIT: ResultsInit = {
  endedAt: ENDED,
  scenario: 'synthetic',
  seed: 7,
  config: { name: 'synthetic', durationMs: ENDED },
  versions: { ferry: '0.1.0', node: process.version, libp2p: '3.x' },
  wallMs: 6000,
  buckets: 5
}

describe('sim ledger', () => {
  it('gives each planned message its outcome', () => {
    const rows = ledgerOf(9, [...CLEAN, ...FAULTS]).entries({ endedAt: ENDED })
    assert.deepEqual(rows.map(r => r.outcome), ['delivered', 'delivered', 'expired', 'pending', 'not-sent', 'not-sent', 'lost', 'delivered', 'delivered'])
    const m1 = rows[1]
    assert.deepEqual([m1.sentAt, m1.id, m1.storedAt, m1.mailboxes, m1.deliveredAt, m1.via, m1.receivedAt, m1.readAt],
      [10, 'id1', 20, 2, 1510, 'mailbox', [1500], 1600])
    assert.equal(rows[4].sendError, NASTY)
    assert.equal(rows[5].sendError, undefined)
    assert.deepEqual(rows[7].receivedAt, [70, 300])
  })

  it('counts an acknowledged message never received as lost when the run ends, expired or not', () => {
    const ledger = ledgerOf(2, [
      { kind: 'sent', key: 'm0', at: 0, id: 'a', expiresAt: 1e9 },
      { kind: 'delivered', key: 'm0', at: 10, via: 'direct' },
      { kind: 'sent', key: 'm1', at: 0, id: 'b', expiresAt: 1e9 }
    ])
    assert.deepEqual(ledger.entries({ endedAt: ENDED }).map(r => r.outcome), ['lost', 'pending'])
    const v = check(ledger, { endedAt: ENDED })
    assert.equal(v.ok, false)
    assert.equal(v.lost, 1)
    assert.match(v.failures[0], /^m0 .*lost.*run ended at 5000 ms/)
  })

  it('an unacknowledged message expires by its expiry time even without an expired observation', () => {
    const ledger = ledgerOf(1, [{ kind: 'sent', key: 'm0', at: 0, id: 'a', expiresAt: 4000 }])
    assert.equal(ledger.entries({ endedAt: 3999 })[0].outcome, 'pending')
    assert.equal(ledger.entries({ endedAt: 4000 })[0].outcome, 'expired')
    assert.equal(check(ledger, { endedAt: 4000 }).ok, true)
  })

  it('rejects observations of unplanned messages and plans with duplicate keys', () => {
    const ledger = ledgerOf(1, [])
    assert.throws(() => ledger.observe({ kind: 'read', key: 'm9', at: 1 }), UnknownMessageError)
    assert.throws(() => ledger.observe({ kind: 'read', key: 'm0', at: NaN }), TypeError)
    assert.throws(() => new Ledger([msg('m0'), msg('m0')]), /duplicate message key "m0"/)
  })
})

describe('sim checker', () => {
  it('passes a clean run', () => {
    const v = check(ledgerOf(6, CLEAN), { endedAt: ENDED })
    assert.deepEqual(v, { ok: true, failures: [], lost: 0, duplicated: 0, deliveredAfterExpiry: 0, deliveredAfterRemoval: 0, unaddressed: 0 })
  })

  it('fails on a lost acknowledged message, a duplicate and a late delivery, naming each', () => {
    const v = check(ledgerOf(9, [...CLEAN, ...FAULTS]), { endedAt: ENDED })
    assert.equal(v.ok, false)
    assert.deepEqual([v.lost, v.duplicated, v.deliveredAfterExpiry], [1, 1, 1])
    assert.equal(v.failures.length, 3)
    assert.match(v.failures[0], /^m6 \(a-0 -> b-0\): lost: acknowledged \(stored at 1 mailbox\(es\) at 60 ms\).*expired at 2000 ms/)
    assert.match(v.failures[1], /^m7 .*duplicated: received 2 times \(at 70, 300 ms\)/)
    assert.match(v.failures[2], /^m8 .*delivered after expiry: received at 950 ms, expired at 900 ms/)
  })

  it('each fault alone fails the run', () => {
    for (const fault of ['m6', 'm7', 'm8']) {
      assert.equal(check(ledgerOf(9, [...CLEAN, ...FAULTS.filter(o => o.key === fault)]), { endedAt: ENDED }).ok, false, fault)
    }
  })

  it(`lists at most ${MAX_FAILURES} examples but counts every fault`, () => {
    const obs: Observation[] = []
    for (let i = 0; i < 30; i++) {
      obs.push({ kind: 'sent', key: `m${i}`, at: 0, id: `i${i}`, expiresAt: 1e9 }, { kind: 'received', key: `m${i}`, at: 1, node: 'b-0' }, { kind: 'received', key: `m${i}`, at: 2, node: 'b-0' })
    }
    const v = check(ledgerOf(30, obs), { endedAt: ENDED })
    assert.equal(v.duplicated, 30)
    assert.equal(v.failures.length, MAX_FAILURES)
  })
})

describe('sim checker: skewed clocks', () => {
  // a-0 sends to b-0 (clock 60 s behind the machine) and c-0 (clock 60 s ahead); a-0's clock is
  // right. Each message expires at 10,000 ms by a-0's stamp.
  const offsets = { 'b-0': -60_000, 'c-0': 60_000 }
  const skewed = (observations: Observation[], messages: PlannedMessage[]): Ledger => {
    const ledger = new Ledger(messages, { clockOffsets: offsets })
    for (const o of observations) ledger.observe(o)
    return ledger
  }

  it('judges a late copy on the recipient\'s clock: a clock behind may store it later, a clock ahead must refuse it sooner', () => {
    const messages = [msg('m0', 'a-0', 'b-0'), msg('m1', 'a-0', 'c-0'), msg('m2', 'a-0', 'd-0')]
    const ledger = skewed([
      // stored 30 s after a-0's expiry, while b-0's clock still read 40,000 ms before it: b-0 did right
      { kind: 'sent', key: 'm0', at: 0, id: 'i0', expiresAt: 10_000 },
      { kind: 'received', key: 'm0', at: 40_000, node: 'b-0' },
      // stored at 5,000 ms by the machine, 65,000 ms by c-0's clock: c-0 stored an expired message
      { kind: 'sent', key: 'm1', at: 0, id: 'i1', expiresAt: 10_000 },
      { kind: 'received', key: 'm1', at: 5_000, node: 'c-0' },
      // d-0 runs on the machine's clock: 40,000 ms is after the expiry
      { kind: 'sent', key: 'm2', at: 0, id: 'i2', expiresAt: 10_000 },
      { kind: 'received', key: 'm2', at: 40_000, node: 'd-0' }
    ], messages)
    const v = check(ledger, { endedAt: 100_000 })
    assert.equal(v.deliveredAfterExpiry, 2)
    assert.match(v.failures[0], /^m1 \(a-0 -> c-0\): delivered after expiry: received at 5000 ms \(65000 ms on c-0's clock\), expired at 10000 ms/)
    assert.match(v.failures[1], /^m2 \(a-0 -> d-0\): delivered after expiry: received at 40000 ms, expired at 10000 ms/)
  })

  it('a disappearing message acknowledged but expired on the recipient\'s clock before a copy came is expired, not lost; any other acknowledged one is lost', () => {
    const gone = { ...msg('m0', 'a-0', 'c-0'), disappearing: true }
    const behind = { ...msg('m1', 'a-0', 'b-0'), disappearing: true }
    const kept = msg('m2', 'a-0', 'c-0')
    const stored = (key: string): Observation[] => [{ kind: 'sent', key, at: 0, id: `i${key}`, expiresAt: 10_000 }, { kind: 'stored', key, at: 100, mailboxes: 2 }]
    const ledger = skewed([...stored('m0'), ...stored('m1'), ...stored('m2')], [gone, behind, kept])
    // at 20,000 ms: c-0's clock passed the expiry (m0 expired), b-0's has not (m1 still promised)
    assert.deepEqual(ledger.entries({ endedAt: 20_000 }).map(e => e.outcome), ['expired', 'lost', 'lost'])
    // at 70,000 ms b-0's clock passed it too
    assert.deepEqual(ledger.entries({ endedAt: 70_000 }).map(e => e.outcome), ['expired', 'expired', 'lost'])
    const v = check(ledger, { endedAt: 70_000 })
    assert.deepEqual([v.ok, v.lost], [false, 1])
    assert.match(v.failures[0], /^m2 /)
  })
})

describe('sim results', () => {
  it('percentiles by nearest rank', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i)
    assert.deepEqual(percentiles(hundred), { p50: 50, p95: 95, p99: 99 })
    const five = [15, 20, 35, 40, 50]
    assert.deepEqual([5, 30, 40, 50, 100].map(p => percentile(five, p)), [15, 20, 20, 35, 50])
    assert.deepEqual(percentiles([7]), { p50: 7, p95: 7, p99: 7 })
    assert.deepEqual(percentiles([]), { p50: null, p95: null, p99: null })
    assert.throws(() => percentile(five, 0), RangeError)
  })

  it('figures agree with the ledger', () => {
    const ledger = ledgerOf(9, [...CLEAN, ...FAULTS])
    const r = results(ledger, { ...INIT, metrics: { bytesOnWire: 40_000, dht: { lookups: 3, succeeded: 2 } } })
    const rows = ledger.entries({ endedAt: ENDED })
    assert.equal(r.sent, rows.filter(e => e.sentAt != null).length)
    assert.equal(r.delivered, rows.filter(e => e.receivedAt.length >= 1).length)
    assert.deepEqual([r.ok, r.sent, r.delivered, r.lost, r.duplicated, r.deliveredAfterExpiry, r.pending, r.expired, r.notSent],
      [false, 7, 4, 1, 1, 1, 1, 1, 2])
    // latencies: m0 50 direct, m7 20 direct, m1 1490 mailbox, m8 890 without a delivery receipt
    assert.deepEqual(r.latencyMs, { p50: 50, p95: 1490, p99: 1490 })
    assert.deepEqual(r.latencyByPath, {
      direct: { p50: 20, p95: 50, p99: 50, count: 2 },
      mailbox: { p50: 1490, p95: 1490, p99: 1490, count: 1 },
      unknown: { p50: 890, p95: 890, p99: 890, count: 1 }
    })
    assert.deepEqual(r.deliveryOverTime, [
      { t: 1000, sent: 6, delivered: 3 }, { t: 2000, sent: 6, delivered: 4 }, { t: 3000, sent: 7, delivered: 4 },
      { t: 4000, sent: 7, delivered: 4 }, { t: 5000, sent: 7, delivered: 4 }])
    assert.equal(r.bytesPerDelivered, 10_000)
    assert.deepEqual(r.metrics.dht, { lookups: 3, succeeded: 2 })
    assert.equal(r.failures.length, 3)
    assert.deepEqual([r.scenario, r.seed, r.wallMs, r.endedAt], ['synthetic', 7, 6000, ENDED])
  })

  it('a clean run is ok; no data gives null percentiles', () => {
    assert.equal(results(ledgerOf(6, CLEAN), INIT).ok, true)
    const empty = results(ledgerOf(2, []), INIT)
    assert.deepEqual([empty.sent, empty.delivered, empty.notSent, empty.latencyMs.p50, empty.latencyByPath.direct.count, empty.bytesPerDelivered], [0, 0, 2, null, 0, null])
  })

  it('CSV fields escape commas, quotes and newlines', () => {
    assert.equal(csvField('plain'), 'plain')
    assert.equal(csvField('a,b'), '"a,b"')
    assert.equal(csvField('say "hi"'), '"say ""hi"""')
    assert.equal(csvField('two\nlines'), '"two\nlines"')
    assert.equal(csvField(undefined), '')
    assert.equal(csvField(false), 'false')
  })

  it('the summary table aligns its columns and says ok or FAILED', () => {
    const failed = summaryTable(results(ledgerOf(9, [...CLEAN, ...FAULTS]), INIT))
    const [counts, lat] = failed.trimEnd().split('\n\n').map(b => b.split('\n'))
    assert.equal(new Set(counts.map(l => l.length)).size, 1, 'counts lines equally long')
    const head = counts[0].trim().split(/\s{2,}/)
    const vals = counts[1].trim().split(/\s{2,}/)
    assert.deepEqual(head, ['sent', 'delivered', 'lost', 'duplicated', 'after expiry', 'pending', 'expired', 'not sent', 'result'])
    assert.deepEqual(vals, ['7', '4', '1', '1', '1', '1', '1', '2', 'FAILED'])
    const ends = (line: string): number[] => [...line.matchAll(/\S+(?: \S+)*/g)].map(m => m.index + m[0].length)
    assert.deepEqual(ends(counts[1]), ends(counts[0]), 'values right-aligned under their headers')
    assert.equal(new Set(lat.map(l => l.length)).size, 1, 'latency lines equally long')
    assert.deepEqual(lat.map(l => l.split(/\s+/)), [['latency', 'ms', 'p50', 'p95', 'p99', 'count'], ['all', '50', '1490', '1490', '4'],
      ['direct', '20', '50', '50', '2'], ['mailbox', '1490', '1490', '1490', '1'], ['unknown', '890', '890', '890', '1']])
    assert.match(summaryTable(results(ledgerOf(6, CLEAN), INIT)), /\bok$/m)
  })
})

describe('sim outputs', function () {
  this.timeout(60_000)
  const EVENTS: PlannedEvent[] = [{ at: 1200, kind: 'partition', nodes: ['b-0'] }, { at: 2600, kind: 'heal', nodes: [] }]
  const OCCUPANCY = [{ t: 0, held: 0 }, { t: 1000, held: 3 }, { t: 2000, held: 1 }]
  let dir: string
  let res: Results
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-sim-out-'))
    const ledger = ledgerOf(9, [...CLEAN, ...FAULTS])
    res = results(ledger, { ...INIT, scenario: '<img src=x onerror=alert(1)>', metrics: { mailboxOccupancy: OCCUPANCY } })
    writeOutputs(dir, res, ledger, { events: EVENTS })
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('results.json holds the results', () => {
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')), JSON.parse(JSON.stringify(res)))
  })

  it('messages.csv has one row per planned message and survives a CSV parser', () => {
    const table = parseCsv(readFileSync(join(dir, 'messages.csv'), 'utf8'))
    assert.deepEqual(table[0], [...CSV_COLUMNS])
    assert.equal(table.length, 1 + 9)
    assert.ok(table.every(r => r.length === CSV_COLUMNS.length))
    const col = (row: string[], name: string): string => row[CSV_COLUMNS.indexOf(name as typeof CSV_COLUMNS[number])]
    assert.equal(col(table[5], 'error'), NASTY)
    assert.equal(col(table[5], 'outcome'), 'not-sent')
    assert.deepEqual(['key', 'stored_at', 'mailboxes', 'via', 'received_at', 'copies', 'read_at', 'outcome'].map(c => col(table[2], c)), ['m1', '20', '2', 'mailbox', '1500', '1', '1600', 'delivered'])
    assert.equal(col(table[8], 'copies'), '2')
  })

  it('report.html inlines uPlot and the data, escapes values and loads nothing from a network', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8')
    assert.ok(html.includes('var uPlot=function'), 'uPlot inlined')
    assert.ok(html.includes('.uplot'), 'uPlot stylesheet inlined')
    assert.doesNotMatch(html, /(src|href)\s*=\s*["']?\s*(https?:)?\/\//i)
    assert.doesNotMatch(html, /<link\b|<script[^>]*\bsrc=|@import|url\(\s*["']?https?:/i)
    assert.ok(!html.includes('<img src=x'), 'scenario name escaped')
    assert.ok(html.includes('&#60;img src=x onerror=alert(1)&#62;'))
    const data = JSON.parse(html.match(/<script type="application\/json" id="ferry-data">([^<]*)<\/script>/)?.[1] ?? 'null')
    assert.deepEqual(data.cdf.series.map((s: { label: string }) => s.label), ['all', 'direct', 'mailbox', 'unknown'])
    assert.deepEqual(data.cdf.x, [20, 50, 890, 1490])
    assert.deepEqual(data.cdf.series[0].y, [0.25, 0.5, 0.75, 1])
    assert.equal(data.delivery.delivered.at(-1), res.delivered)
    assert.equal(data.delivery.sent.at(-1), res.sent)
    assert.deepEqual(data.events, [{ t: 1.2, label: 'partition b-0' }, { t: 2.6, label: 'heal' }])
    assert.deepEqual(data.occupancy, { t: [0, 1, 2], held: [0, 3, 1] })
    assert.match(html, /<td>lost<\/td><td>1<\/td>/)
  })

  it('escapes text that could close the data script', () => {
    const ledger = ledgerOf(1, [{ kind: 'send-failed', key: 'm0', at: 0, error: '</script><script>alert(1)</script>' }])
    const html = renderReport(results(ledger, INIT), ledger.entries({ endedAt: ENDED }), [{ at: 0, kind: 'crash', nodes: ['</script>'] }])
    assert.ok(!html.includes('<script>alert(1)'))
    assert.equal(html.match(/<\/script>/g)?.length, 3, 'only the three script elements close')
  })

  it('report.html draws its three charts in Chromium offline', async function () {
    if (!haveChromium()) this.skip()
    const browser = await launchChromium()
    try {
      const page = await browser.context.newPage()
      const errors: string[] = []
      const requests: string[] = []
      page.on('pageerror', e => errors.push(String(e)))
      page.on('request', r => requests.push(r.url()))
      await page.goto(pathToFileURL(join(dir, 'report.html')).href)
      await page.waitForSelector('#chart-occupancy .uplot canvas')
      assert.deepEqual(errors, [])
      assert.deepEqual(requests.filter(u => !u.startsWith('file:') && !u.startsWith('data:')), [])
      assert.equal(await page.locator('.uplot').count(), 3)
      assert.ok(await page.locator('#chart-latency .u-legend').textContent().then(t => t?.includes('mailbox')))
    } finally {
      await browser.close()
    }
  })
})

/** A strict RFC 4180 reader for the test (quoted fields, doubled quotes, newlines inside quotes). */
function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = '' } else field += c
  }
  return rows
}
