/**
 * `ferry sim` processes mode: one real `ferry start` daemon per node on
 * 127.0.0.1, driven only through its control API, with a crash and a restart. A partition on one
 * loopback cannot be applied: the run must say so in results.json rather than pretend.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validateScenario } from '../../node/sim/scenario.js'
import { simulate } from '../../node/sim/simulate.js'

describe('ferry sim (processes)', function () {
  this.timeout(300_000)
  let dir: string
  before(() => { dir = mkdtempSync(join(tmpdir(), 'ferry-sim-proc-')) })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('runs 3 daemons through a crash and a restart: every message arrives, and the partition is reported as not applied', async () => {
    const scenario = validateScenario({
      name: 'ci-processes',
      mode: 'processes',
      durationMs: 30_000,
      seed: 3,
      groups: [
        { name: 'host', count: 1, roles: ['mailbox-host', 'always-on'] },
        { name: 'unit', count: 2, roles: ['always-on'] }
      ],
      contacts: { kind: 'teams', size: 3 },
      traffic: { rate: 1, sizes: [100, 1_000], quietMs: 12_000 },
      events: [
        { at: 4_000, kind: 'crash', nodes: ['unit-1'] },
        { at: 9_000, kind: 'restart', nodes: ['unit-1'] },
        { at: 10_000, kind: 'partition', nodes: ['unit-0'] },
        { at: 12_000, kind: 'heal' }
      ]
    }, 'ci-processes')
    const run = await simulate(scenario, { out: dir })
    const r = run.results
    assert.equal(r.ok, true, `checker: ${r.failures.join('; ')}`)
    assert.ok(r.sent >= 8, `enough traffic (${r.sent})`)
    // messages to unit-1 while it was down waited at the host or in the outbox, and still arrived
    assert.equal(r.delivered, r.sent, `delivered ${r.delivered} of ${r.sent}`)
    const entries = run.ledger.entries({ endedAt: r.endedAt })
    assert.equal(r.sent, entries.filter(e => e.sentAt != null).length)
    assert.ok(run.applied.some(e => e.kind === 'crash') && run.applied.some(e => e.kind === 'restart'))
    const skipped = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).metrics.skippedEvents as string[]
    assert.ok(skipped.some(s => /^partition at 10000 ms: skipped: processes on one loopback/.test(s)), `skippedEvents: ${JSON.stringify(skipped)}`)
    assert.ok(skipped.some(s => s.startsWith('heal at 12000 ms: skipped')), 'the heal too')
  })
})
