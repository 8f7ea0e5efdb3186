/**
 * `ferry sim` end to end: production nodes in one process with churn and a
 * partition; the checker catching a planted fault; the same seed giving the same run.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validateScenario } from '../../node/sim/scenario.js'
import { simulate } from '../../node/sim/simulate.js'
import { cli } from './harness.js'
import type { Scenario } from '../../node/sim/types.js'

const out = (): string => mkdtempSync(join(tmpdir(), 'ferry-sim-test-'))

/** 20 nodes: 2 always-on mailbox hosts, 18 churny (30 % offline), a third of them cut off for 12 s. */
function churnAndPartition (seed: number): Scenario {
  return validateScenario({
    name: 'ci-20',
    mode: 'inprocess',
    durationMs: 60_000,
    timeScale: 1,
    seed,
    groups: [
      { name: 'host', count: 2, roles: ['mailbox-host', 'always-on'] },
      { name: 'unit', count: 18, roles: ['churny'], offlineFraction: 0.3, offlineWindowMs: 8_000 }
    ],
    contacts: { kind: 'teams', size: 6 },
    traffic: { rate: 3, sizes: [200, 2_000], ttlMs: 3_600_000, quietMs: 20_000 },
    events: [
      { at: 15_000, kind: 'partition', nodes: ['unit-0', 'unit-1', 'unit-2', 'unit-3', 'unit-4', 'unit-5'] },
      { at: 27_000, kind: 'heal' }
    ]
  }, 'ci-20')
}

/**
 * Mailbox host h and two always-on users a and b who know each other and h, at twice real speed,
 * one mailbox per message (replication 1): what reaches an absent b can only come through h.
 */
function hostAndPair (name: string, fields: { durationMs: number, seed: number, traffic: unknown, events: unknown[] }): Scenario {
  return validateScenario({
    name,
    mode: 'inprocess',
    timeScale: 2,
    replication: 1,
    groups: [
      { name: 'h', count: 1, roles: ['mailbox-host', 'always-on'] },
      { name: 'a', count: 1, roles: ['always-on'] },
      { name: 'b', count: 1, roles: ['always-on'] }
    ],
    contacts: { kind: 'teams', size: 3 },
    ...fields
  }, name)
}

describe('ferry sim (in-process)', function () {
  this.timeout(300_000)
  const dirs: string[] = []
  after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

  it('runs 20 production nodes through churn and a partition: the checker passes and the outputs agree with the ledger', async () => {
    const dir = out()
    dirs.push(dir)
    const scenario = churnAndPartition(11)
    const run = await simulate(scenario, { out: dir })
    const r = run.results
    assert.ok(run.applied.some(e => e.kind === 'partition') && run.applied.some(e => e.kind === 'leave') && run.applied.some(e => e.kind === 'restart'), 'churn and a partition happened')
    assert.equal(r.ok, true, `checker: ${r.failures.join('; ')}`)
    assert.equal(r.lost, 0)
    assert.equal(r.duplicated, 0)
    assert.equal(r.deliveredAfterExpiry, 0)
    const entries = run.ledger.entries({ endedAt: r.endedAt })
    assert.equal(r.sent, entries.filter(e => e.sentAt != null).length)
    assert.equal(r.delivered, entries.filter(e => e.receivedAt.length > 0).length)
    assert.ok(r.sent > 50, `enough traffic (${r.sent})`)
    assert.ok(r.delivered / r.sent > 0.9, `delivery ratio ${r.delivered}/${r.sent}`)
    assert.ok(entries.some(e => e.via === 'mailbox'), 'some messages went through mailboxes')
    // the files hold the same figures
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))
    assert.deepEqual({ ok: json.ok, sent: json.sent, delivered: json.delivered, lost: json.lost }, { ok: r.ok, sent: r.sent, delivered: r.delivered, lost: r.lost })
    const csv = readFileSync(join(dir, 'messages.csv'), 'utf8').trim().split('\n')
    assert.equal(csv.length, run.plan.messages.length + 1, 'one row per planned message')
    assert.equal(csv.slice(1).filter(l => l.endsWith(',delivered,') || l.includes(',delivered,')).length >= r.delivered, true)
    assert.ok(existsSync(join(dir, 'report.html')))
  })

  it('fails the run when a mailbox drops acknowledged deposits (planted fault), and passes without it', async () => {
    // a and b know only each other and host h; b is away while a sends, a is gone when b returns:
    // every message can only come through h, with one mailbox per message (replication 1). a is
    // back for the last 10 s, once b has gone again: on a loaded machine what b sent just before it
    // left at 1 s can still be in its outbox when a goes, and reaches a through h only then
    const scenario = hostAndPair('planted-fault', {
      durationMs: 50_000,
      seed: 5,
      traffic: { rate: 0, sizes: [100] },
      events: [
        { at: 1_000, kind: 'leave', nodes: ['b'] },
        { at: 30_000, kind: 'leave', nodes: ['a'] },
        { at: 32_000, kind: 'restart', nodes: ['b'] },
        { at: 38_000, kind: 'leave', nodes: ['b'] },
        { at: 40_000, kind: 'restart', nodes: ['a'] }
      ]
    })
    const withMessages = (s: Scenario): Scenario => ({ ...s, traffic: { ...s.traffic, rate: 12, quietMs: 30_000 } })
    const faulty = await simulate(withMessages(scenario), { faultDropEvery: 100 })
    assert.equal(faulty.results.ok, false, 'the checker fails the run')
    assert.ok(faulty.results.lost >= 1, `lost ${faulty.results.lost}`)
    assert.match(faulty.results.failures.join('\n'), /lost|never/i)
    const clean = await simulate(withMessages(scenario))
    assert.equal(clean.results.ok, true, clean.results.failures.join('; '))
    assert.equal(clean.results.lost, 0)
  })

  it('drainMs: a recipient back just before the end gets its mail when the run may drain, and it counts as lost when not', async () => {
    // b is away from 1 s until 10 ms before the end: what a and h send it waits at h (its host)
    const away = hostAndPair('drain', {
      durationMs: 30_000,
      seed: 9,
      traffic: { rate: 6, sizes: [100], quietMs: 20_000 },
      events: [{ at: 1_000, kind: 'leave', nodes: ['b'] }, { at: 29_990, kind: 'restart', nodes: ['b'] }]
    })
    const cut = await simulate(away)
    assert.equal(cut.results.ok, false, 'without a drain the run ends before b collects')
    const lost = cut.ledger.entries({ endedAt: cut.results.endedAt }).filter(e => e.outcome === 'lost')
    assert.ok(lost.length > 0 && lost.every(e => e.to === 'b-0'), `lost: ${lost.map(e => `${e.key}->${e.to}`).join(' ')}`)
    assert.equal(cut.results.metrics.drainedMs, 0)

    const drained = await simulate({ ...away, drainMs: 60_000 })
    const r = drained.results
    assert.equal(r.ok, true, r.failures.join('; '))
    const entries = drained.ledger.entries({ endedAt: r.endedAt })
    for (const e of lost) assert.equal(entries.find(x => x.key === e.key)?.outcome, 'delivered', `${e.key} arrives in the drain`)
    assert.ok(typeof r.metrics.drainedMs === 'number' && r.metrics.drainedMs > 0 && r.metrics.drainedMs < 60_000, `drained ${String(r.metrics.drainedMs)} ms`)
    assert.equal(typeof r.metrics.lateMs, 'number')
  })

  it('gives the same timeline and the same sent messages for the same seed', async () => {
    const small = (seed: number): Scenario => ({ ...churnAndPartition(seed), durationMs: 30_000, timeScale: 3, groups: [{ name: 'host', count: 1, roles: ['mailbox-host', 'always-on'] }, { name: 'unit', count: 5, roles: ['churny'], offlineFraction: 0.3, offlineWindowMs: 5_000 }], events: [], traffic: { rate: 2, sizes: [100], ttlMs: 3_600_000, quietMs: 10_000 } })
    const [one, two] = [await simulate(small(21)), await simulate(small(21))]
    assert.deepEqual(one.plan, two.plan)
    assert.deepEqual(one.applied.map(e => [e.at, e.kind, e.nodes]), two.applied.map(e => [e.at, e.kind, e.nodes]))
    const sent = (r: typeof one): string[] => r.ledger.entries({ endedAt: r.results.endedAt }).filter(e => e.sentAt != null).map(e => e.key)
    assert.deepEqual(sent(one), sent(two))
    const other = await simulate(small(22))
    assert.notDeepEqual(other.plan.messages, one.plan.messages)
  })

  it('ferry sim run: writes the outputs, prints the summary, exits 1 with the checker\'s reason on a bad scenario', async () => {
    const dir = out()
    dirs.push(dir)
    const bad = join(dir, 'bad.json')
    const { writeFileSync } = await import('node:fs')
    const scenario = JSON.stringify({ name: 'x', mode: 'inprocess', durationMs: 10_000, groups: [{ name: 'u', count: 2, roles: [] }], contacts: { kind: 'teams', size: 2 }, traffic: { rate: 1, sizes: [100] } }, null, 2)
    writeFileSync(bad, scenario.replace('"durationMs": 10000', '"durationMs": -5').replace('"count": 2', '"cuont": 2'))
    const r = await cli(['sim', 'run', bad, '--out', join(dir, 'o')])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /bad\.json:4:\d+: durationMs/, r.stderr)
    assert.match(r.stderr, /bad\.json:8:\d+: .*cuont/, r.stderr)

    const good = join(dir, 'good.json')
    writeFileSync(good, scenario)
    const ok = await cli(['sim', 'run', good, '--out', join(dir, 'o'), '--seed', '3'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /sent +delivered +lost/)
    // stderr is a pipe here, not a terminal: progress comes as lines, the last one at the end
    assert.match(ok.stderr, /\[sim\] played (\d+)\/\1 events and messages in \d+ s\n/, ok.stderr)
    assert.doesNotMatch(ok.stderr, /\r/, 'no progress bar redraws in a file')
    const res = JSON.parse(readFileSync(join(dir, 'o', 'results.json'), 'utf8'))
    assert.equal(res.seed, 3)
    assert.equal(res.ok, true)
  })
})
