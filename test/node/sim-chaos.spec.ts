/**
 * The soak's fault timeline (node/sim/chaos.ts) and scenario (node/sim/soak.ts), without running
 * anything: for random seeds (printed; SOAK_CHAOS_SEED replays them) every fault stays inside the
 * chaos and is undone by its end, no more than three nodes are down at once, one partition and one
 * lossy-link episode at a time, two clocks are skewed by minutes, and the same seed gives the same
 * faults. test/node/soak.spec.ts runs a soak.
 */
import assert from 'node:assert/strict'
import { CHAOS_DEFAULTS, chaosTimeline } from '../../node/sim/chaos.js'
import { plan } from '../../node/sim/plan.js'
import { SOAK_QUIET_MS, SOAK_TIMERS_MS, soakScenario } from '../../node/sim/soak.js'
import type { Chaos } from '../../node/sim/chaos.js'

const SEED = Number(process.env.SOAK_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 32))
const NODES = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9']

/** Every promise of a timeline, replayed event by event. */
function checkTimeline (c: Chaos, chaosMs: number, where: string): void {
  const down = new Set<string>()
  let cut = false
  let lossy: string[] = []
  let last = 0
  for (const e of c.events) {
    assert.ok(e.at >= last, `sorted ${where}`)
    last = e.at
    assert.ok(e.at >= 5_000 && e.at < chaosMs, `${e.kind} at ${e.at} ms is inside the chaos ${where}`)
    const node = e.nodes?.[0] as string
    if (e.kind === 'crash') { assert.ok(!down.has(node), `${node} killed twice ${where}`); down.add(node) }
    if (e.kind === 'restart') assert.ok(down.delete(node), `${node} restarted while up ${where}`)
    assert.ok(down.size <= CHAOS_DEFAULTS.maxDown, `at most ${CHAOS_DEFAULTS.maxDown} down at ${e.at} ms ${where}`)
    if (e.kind === 'partition') {
      assert.ok(!cut, `one partition at a time ${where}`)
      assert.ok((e.nodes?.length ?? 0) >= 1 && (e.nodes?.length ?? 0) <= CHAOS_DEFAULTS.maxSide, `side of ${e.nodes?.length} ${where}`)
      cut = true
    }
    if (e.kind === 'heal') cut = false
    if (e.kind === 'shape' && (e.link?.lossPct ?? 0) > 0) {
      assert.deepEqual(lossy, [], `one lossy episode at a time ${where}`)
      const [min, max] = CHAOS_DEFAULTS.lossPct
      assert.ok((e.link?.lossPct as number) >= min && (e.link?.lossPct as number) <= max, `loss ${e.link?.lossPct}% ${where}`)
      lossy = e.nodes ?? []
    } else if (e.kind === 'shape') {
      assert.deepEqual(e.nodes, lossy, `the restore names the lossy nodes ${where}`)
      assert.deepEqual(e.link, { lossPct: 0, delayMs: 0 })
      lossy = []
    }
  }
  assert.deepEqual([[...down], cut, lossy], [[], false, []], `every node back, healed and restored by the end ${where}`)
  const kinds = (k: string): number => c.events.filter(e => e.kind === k).length
  assert.deepEqual([kinds('crash'), kinds('partition'), kinds('shape') / 2], [c.counts.kills, c.counts.partitions, c.counts.lossyLinks])
  const skews = Object.entries(c.clockOffsets)
  assert.equal(skews.length, 2, `two skewed clocks ${where}`)
  const [lo, hi] = CHAOS_DEFAULTS.skewMs
  assert.ok(skews[0][1] >= lo && skews[0][1] <= hi && skews[1][1] <= -lo && skews[1][1] >= -hi, `one ahead, one behind by ${lo / 60_000}-${hi / 60_000} min: ${JSON.stringify(c.clockOffsets)} ${where}`)
  assert.ok(skews.every(([, ms]) => ms % 1000 === 0), 'whole seconds')
}

describe('soak chaos', () => {
  it(`keeps its promises for random seeds (seed ${SEED})`, () => {
    for (let i = 0; i < 200; i++) {
      const seed = (SEED + i) >>> 0
      const chaosMs = [60_000, 180_000, 1_800_000][i % 3]
      checkTimeline(chaosTimeline({ nodes: NODES, chaosMs, seed }), chaosMs, `(seed ${seed}, ${chaosMs} ms)`)
    }
  })

  it('plans as many faults as its rates ask for, over a long chaos', () => {
    // 30 minutes, seed fixed: kills every ~20 s when fewer than 3 are down, partitions every ~40 s + 10-45 s each
    const c = chaosTimeline({ nodes: NODES, chaosMs: 1_800_000, seed: 7 })
    assert.ok(c.counts.kills > 60 && c.counts.kills < 95, `${c.counts.kills} kills`)
    assert.ok(c.counts.partitions > 15 && c.counts.partitions < 40, `${c.counts.partitions} partitions`)
    assert.ok(c.counts.lossyLinks > 15 && c.counts.lossyLinks < 50, `${c.counts.lossyLinks} lossy episodes`)
  })

  it('gives the same faults for the same seed, other faults for another', () => {
    const a = chaosTimeline({ nodes: NODES, chaosMs: 600_000, seed: 42 })
    assert.deepEqual(chaosTimeline({ nodes: NODES, chaosMs: 600_000, seed: 42 }), a)
    assert.notDeepEqual(chaosTimeline({ nodes: NODES, chaosMs: 600_000, seed: 43 }).events, a.events)
  })

  it('refuses a world too small or a chaos too short', () => {
    assert.throws(() => chaosTimeline({ nodes: ['a', 'b'], chaosMs: 60_000, seed: 1 }), /at least 3 nodes/)
    assert.throws(() => chaosTimeline({ nodes: NODES, chaosMs: 5_000, seed: 1 }), /"chaosMs" must be at least 10000/)
  })
})

describe('soak scenario', () => {
  it(`is a valid netns scenario of ten nodes: chaos, a quiet minute, a bounded drain (seed ${SEED})`, () => {
    const { scenario, chaos } = soakScenario(3, SEED)
    assert.equal(scenario.mode, 'netns')
    assert.equal(scenario.durationMs, 3 * 60_000 + SOAK_QUIET_MS)
    assert.equal(scenario.traffic.quietMs, SOAK_QUIET_MS)
    assert.equal(scenario.drainMs, 180_000)
    assert.deepEqual(scenario.events, chaos.events)
    assert.deepEqual(scenario.clockOffsets, chaos.clockOffsets)
    const p = plan(scenario, SEED)
    assert.deepEqual(p.nodes.map(n => n.name), ['host-0', 'host-1', 'host-2', 'peer-0', 'peer-1', 'peer-2', 'peer-3', 'peer-4', 'peer-5', 'peer-6'])
    assert.equal(p.contacts.length, 45, 'everyone knows everyone')
    for (const n of p.nodes) assert.equal(p.mailboxes[n.name].length, 2, `${n.name} uses two mailbox hosts`)
    assert.ok(p.messages.every(m => m.at < 3 * 60_000), 'no message after the chaos')
    assert.ok(p.messages.filter(m => m.disappearing).every(m => SOAK_TIMERS_MS.includes(m.ttlMs)))
    assert.equal(soakScenario(30, SEED).scenario.drainMs, 600_000, 'a third of a long chaos')
  })

  it('refuses minutes it cannot run', () => {
    assert.throws(() => soakScenario(0.1, 1), /"minutes" must be from/)
    assert.throws(() => soakScenario(2_000, 1), /"minutes" must be from/)
  })
})
