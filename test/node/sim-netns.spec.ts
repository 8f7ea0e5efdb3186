/**
 * `ferry sim` in netns mode: five `ferry start` daemons, each in its own
 * network namespace on a bridge, go through churn, a partition and a change of link shape; the
 * checker passes, every output is written and results.json agrees with the ledger; afterwards no
 * namespace of the run is left. A second test checks the network itself (addresses, multicast
 * route, qdiscs, partition and heal) without daemons. Needs root and iproute2.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { NetnsNetwork, netnsUnavailable } from '../../node/sim/netns.js'
import { validateScenario } from '../../node/sim/scenario.js'
import { simulate, UnsupportedModeError } from '../../node/sim/simulate.js'
import { BIN } from './harness.js'
import type { LedgerEntry } from '../../node/sim/ledger.js'

const namespaces = (): string[] => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(l => l.split(' ')[0])
const sh = (...args: string[]): string => execFileSync(args[0], args.slice(1), { encoding: 'utf8' })

/** Nearest-rank percentile, as results.ts defines it. */
function percentile (values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.ceil(p / 100 * sorted.length) - 1]
}

/** A post keeping mail and four churny units; two are cut off for 12 s while the links fade. */
const scenario = validateScenario({
  name: 'ci-netns-5',
  mode: 'netns',
  durationMs: 50_000,
  timeScale: 1,
  seed: 3,
  groups: [
    { name: 'post', count: 1, roles: ['mailbox-host', 'always-on'] },
    { name: 'unit', count: 4, roles: ['churny'], offlineFraction: 0.2, offlineWindowMs: 8_000 }
  ],
  contacts: { kind: 'teams', size: 5 },
  traffic: { rate: 1, sizes: [100, 1_500], ttlMs: 3_600_000, quietMs: 15_000 },
  link: { delayMs: 5, jitterMs: 1, lossPct: 0.5, rateKbit: 10_000 },
  events: [
    { at: 10_000, kind: 'partition', nodes: ['unit-0', 'unit-1'] },
    { at: 14_000, kind: 'shape', link: { delayMs: 50, lossPct: 3, rateKbit: 1_000 } },
    { at: 22_000, kind: 'heal' },
    { at: 24_000, kind: 'shape', link: { delayMs: 5, lossPct: 0.5, rateKbit: 10_000 } }
  ]
}, 'ci-netns-5')

describe('ferry sim (netns): refusal', function () {
  this.timeout(30_000)

  it('refuses clearly without root', async function () {
    if (process.getuid?.() !== 0) {
      await assert.rejects(simulate(scenario), (err: any) => err instanceof UnsupportedModeError && /needs root/.test(err.message))
      return
    }
    // as root: the CLI run as nobody, when setpriv is there to drop privileges
    try { execFileSync('setpriv', ['--version'], { stdio: 'ignore' }) } catch { this.skip() }
    // nobody must be able to read this checkout (a clone in a 0700 temporary directory is not)
    const readable = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(BIN)})`], { timeout: 20_000 })
    if (readable.status !== 0) {
      console.log('    (skipped: user nobody cannot read this checkout)')
      this.skip()
    }
    const file = join(mkdtempSync(join(tmpdir(), 'ferry-sim-netns-')), 'netns.json')
    writeFileSync(file, JSON.stringify({ ...scenario, events: [] }))
    chmodSync(dirname(file), 0o755)
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'sim', 'run', file, '--out', join(dirname(file), 'out')], { encoding: 'utf8', timeout: 20_000 })
    rmSync(dirname(file), { recursive: true, force: true })
    assert.equal(r.status, 1, r.stderr)
    assert.match(r.stderr, /ferry: mode "netns" needs root/)
  })
})

describe('ferry sim (netns)', function () {
  this.timeout(180_000)
  const dirs: string[] = []

  before(function () {
    const missing = netnsUnavailable()
    if (missing != null) {
      console.log(`      (skipped: netns mode ${missing})`)
      this.skip()
    }
  })

  after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

  it('makes the LAN: addresses, the mDNS route, shapes on both ends, partitions that keep each side whole, and removes it all', async () => {
    const before = namespaces()
    const net = await NetnsNetwork.create(['a-0', 'a-1', 'b-0'], { lossPct: 2, rateKbit: 800 })
    try {
      const tag = net.tag
      assert.deepEqual(namespaces().filter(n => n.startsWith(`${tag}-`)).sort(), [`${tag}-a-0`, `${tag}-a-1`, `${tag}-b-0`, `${tag}-br`])
      assert.equal(net.address('a-1'), '10.78.0.2')
      assert.match(sh('ip', '-n', net.namespace('a-1'), 'addr', 'show', 'dev', `${tag}n1`), /inet 10\.78\.0\.2\/16/)
      assert.match(sh('ip', '-n', net.namespace('a-1'), 'route'), /^224\.0\.0\.0\/4 dev /m)
      const sent = sh('tc', '-n', net.namespace('a-0'), 'qdisc', 'show', 'dev', `${tag}n0`)
      const received = sh('tc', '-n', net.bridgeNs, 'qdisc', 'show', 'dev', `${tag}p0`)
      if (net.shaperKind === 'netem') {
        assert.match(sent, /netem .*loss 2%.*rate 800Kbit/)
        assert.match(received, /netem .*rate 800Kbit/)
        assert.doesNotMatch(received, /loss/)
      } else {
        assert.match(sent, /tbf .*rate 800Kbit/)
        assert.match(sh('tc', '-n', net.namespace('a-0'), 'filter', 'show', 'dev', `${tag}n0`, 'egress'), /bpf .*direct-action/)
        assert.match(received, /tbf .*rate 800Kbit/)
        assert.match(await net.shape(['b-0'], { delayMs: 40 }) ?? '', /delayMs and jitterMs not applied/)
      }
      assert.equal(await net.shape(['a-0'], { lossPct: 0, rateKbit: 0 }), undefined)
      assert.match(sh('tc', '-n', net.namespace('a-0'), 'qdisc', 'show', 'dev', `${tag}n0`), /noqueue/)
      assert.deepEqual(net.shapeOf('a-1'), { lossPct: 2, rateKbit: 800 }, 'a shape of some nodes leaves the others')

      const ports = (br: string): string[] => [...sh('ip', '-n', net.bridgeNs, '-o', 'link', 'show', 'master', br).matchAll(new RegExp(`${tag}p\\d+`, 'g'))].map(m => m[0]).sort()
      await net.partition(['a-0', 'a-1'])
      assert.deepEqual(ports('br1'), [`${tag}p0`, `${tag}p1`], 'the cut side shares a bridge of its own')
      assert.deepEqual(ports('br0'), [`${tag}p2`])
      await net.heal()
      assert.deepEqual(ports('br0'), [`${tag}p0`, `${tag}p1`, `${tag}p2`])
    } finally {
      net.destroy()
    }
    assert.deepEqual(namespaces().filter(n => !before.includes(n)), [], 'every namespace made is gone')
  })

  it('runs 5 daemons through churn, a partition and a link change: the checker passes and results.json agrees with the ledger', async () => {
    const before = namespaces()
    const out = mkdtempSync(join(tmpdir(), 'ferry-sim-netns-'))
    dirs.push(out)
    const log: string[] = []
    const run = await simulate(scenario, { out, log: line => log.push(line) })
    const tag = /namespaces (\w+)-\*/.exec(log.join('\n'))?.[1]
    assert.ok(tag != null, `the run names its namespaces: ${log.join(' | ')}`)
    assert.deepEqual(namespaces().filter(n => n.startsWith(`${tag}-`) || !before.includes(n)), [], 'no namespace of the run is left')

    const kinds = run.applied.map(e => e.kind)
    for (const k of ['partition', 'heal', 'shape', 'leave', 'restart'] as const) assert.ok(kinds.includes(k), `a ${k} happened (${kinds.join(', ')})`)
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))
    assert.equal(r.ok, true, `checker: ${r.failures.join('; ')}`)
    assert.deepEqual({ ok: r.ok, sent: r.sent, delivered: r.delivered, lost: r.lost }, { ok: run.results.ok, sent: run.results.sent, delivered: run.results.delivered, lost: run.results.lost })

    // every figure, recomputed from the ledger
    const entries: LedgerEntry[] = run.ledger.entries({ endedAt: r.endedAt })
    const count = (outcome: LedgerEntry['outcome']): number => entries.filter(e => e.outcome === outcome).length
    assert.equal(r.sent, entries.filter(e => e.sentAt != null).length)
    assert.equal(r.delivered, count('delivered'))
    assert.equal(r.lost, 0)
    assert.equal(r.duplicated, entries.filter(e => e.receivedAt.length > 1).length)
    assert.equal(r.duplicated, 0)
    assert.equal(r.deliveredAfterExpiry, 0)
    assert.equal(r.pending, count('pending'))
    assert.equal(r.notSent, count('not-sent'))
    assert.equal(r.sent + r.notSent, run.plan.messages.length)
    const latencies = entries.filter(e => e.sentAt != null && e.receivedAt.length > 0).map(e => Math.min(...e.receivedAt) - (e.sentAt as number))
    assert.deepEqual(r.latencyMs, { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) })
    assert.ok(r.sent >= 20, `enough traffic (${r.sent})`)
    assert.ok(r.delivered / r.sent > 0.8, `delivery ratio ${r.delivered}/${r.sent}`)
    assert.equal(r.metrics.nodes.length, 5, 'memory and CPU of every daemon')
    assert.ok(r.metrics.nodes.every((n: any) => n.rssBytes > 10_000_000), JSON.stringify(r.metrics.nodes))
    assert.match(r.metrics.linkShaping, /^(netem|tbf\+bpf)/)

    const csv = readFileSync(join(out, 'messages.csv'), 'utf8').trim().split('\n')
    assert.equal(csv.length, run.plan.messages.length + 1, 'one row per planned message')
    assert.ok(readFileSync(join(out, 'report.html'), 'utf8').includes('<html'), 'report.html written')
    assert.ok(existsSync(join(out, 'results.json')))
  })
})
