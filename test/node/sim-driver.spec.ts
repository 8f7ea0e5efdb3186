/**
 * The driver's pace (node/sim/driver.ts): a run that falls behind its plan keeps its quiet tail,
 * and `drainMs` lets it go on while acknowledged messages are still on their way. The nodes here
 * are stand-ins implementing NodeControl (the driver's only view of a node) whose stop takes a
 * set time: an overloaded machine cannot be made on demand, and what is tested is the driver's
 * clock, not Ferry. test/node/sim.spec.ts drains a run of real nodes. The second part checks how
 * the driver reads what nodes report: times from skewed clocks, and rows a changes feed skipped.
 */
import assert from 'node:assert/strict'
import { Driver } from '../../node/sim/driver.js'
import { plan } from '../../node/sim/plan.js'
import { validateScenario } from '../../node/sim/scenario.js'
import type { MessageChange, NodeControl, NetworkControl } from '../../node/sim/driver.js'
import type { Observation, Scenario } from '../../node/sim/types.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** A node whose clean stop takes `stopMs` (as a busy machine's does); it never has messages. */
function slowNode (name: string, stopMs: number): NodeControl {
  let up = true
  return {
    name,
    running: () => up,
    start: async () => { up = true },
    stop: async () => { await sleep(stopMs); up = false },
    crash: async () => { up = false },
    invite: async () => '',
    addContact: async () => {},
    hostMailbox: async () => {},
    useMailboxes: async () => {},
    send: async () => { throw new Error('no messages in these scenarios') },
    changes: async () => [],
    resume: async () => {}
  }
}

const network: NetworkControl = { partition: async () => {}, heal: async () => {}, shape: async () => 'not here' }

function scenario (extra: Partial<Scenario> = {}): Scenario {
  return validateScenario({
    name: 'pace',
    mode: 'inprocess',
    durationMs: 1_500,
    groups: [{ name: 'n', count: 2 }],
    contacts: { kind: 'random', k: 1 },
    traffic: { rate: 0, sizes: [16] },
    events: [{ at: 100, kind: 'leave', nodes: ['n-0'] }, { at: 200, kind: 'restart', nodes: ['n-0'] }],
    ...extra
  })
}

function driver (s: Scenario, stopMs: number, outstanding?: (at: number) => number): Driver {
  const p = plan(s)
  const nodes = new Map(p.nodes.map(n => [n.name, slowNode(n.name, stopMs)]))
  return new Driver(s, p, nodes, network, { observe: () => {}, ...(outstanding == null ? {} : { outstanding }) })
}

describe('sim driver: pace', function () {
  this.timeout(30_000)

  it('a run that falls behind its plan keeps its quiet tail, and says how far behind it fell', async () => {
    // the leave at 100 ms takes 1,000 ms, so the restart planned at 200 ms begins ~900 ms late;
    // the 1,300 ms from it to the end are still played: the run ends near 2,400 ms, not 1,500
    const d = driver(scenario(), 1_000)
    const ended = await d.play()
    assert.ok(d.lateMs >= 850 && d.lateMs < 1_500, `late ${d.lateMs} ms`)
    assert.ok(ended >= 1_500 + d.lateMs - 20, `ended at ${ended} ms, late ${d.lateMs} ms`)
    assert.equal(d.drainedMs, 0)
  })

  it('a run that keeps up ends on time', async () => {
    const d = driver(scenario(), 0)
    const ended = await d.play()
    assert.ok(d.lateMs < 100, `late ${d.lateMs} ms`)
    assert.ok(ended >= 1_500 && ended < 1_700, `ended at ${ended} ms`)
  })

  it('drains while acknowledged messages are on their way, and no longer', async () => {
    // one message outstanding until 600 ms after the end
    let arrives = Infinity
    const d = driver(scenario({ drainMs: 5_000 }), 0, at => { if (arrives === Infinity && at >= 1_500) arrives = at + 600; return at < arrives ? 1 : 0 })
    const ended = await d.play()
    assert.ok(d.drainedMs >= 550 && d.drainedMs < 2_000, `drained ${d.drainedMs} ms`)
    assert.ok(ended >= 2_050, `ended at ${ended} ms`)
  })

  it('gives up the drain at drainMs when a message never arrives', async () => {
    const d = driver(scenario({ drainMs: 1_200 }), 0, () => 1)
    await d.play()
    assert.ok(d.drainedMs >= 1_200 && d.drainedMs < 1_600, `drained ${d.drainedMs} ms`)
  })

  it('does not drain by default', async () => {
    const d = driver(scenario(), 0, () => 1)
    await d.play()
    assert.equal(d.drainedMs, 0)
  })
})

/** A node holding `rows` and reporting them as a daemon's changes feed does: rev above `after`. */
function nodeWithRows (name: string, rows: MessageChange[]): NodeControl {
  return { ...slowNode(name, 0), changes: async after => rows.filter(r => r.rev > after) }
}

const incoming = (id: string, rev: number, deliveredAt: number): MessageChange =>
  ({ id, direction: 'in', text: `${id} n-1>n-0 x`, status: 'delivered', rev, mailboxes: 0, deliveredAt, expiresAt: deliveredAt + 60_000 })

describe('sim driver: what nodes report', function () {
  this.timeout(30_000)
  const quiet = (extra: Partial<Scenario> = {}): Scenario => scenario({ mode: 'processes', durationMs: 1_200, events: [], ...extra })

  it('puts the times a skewed node reports on the machine\'s clock', async () => {
    const s = quiet({ clockOffsets: { 'n-0': 300_000, 'n-1': -120_000 } })
    const p = plan(s)
    const now = Date.now()
    // each node stored a copy at the same real moment, stamped by its own clock
    const nodes = new Map<string, NodeControl>([['n-0', nodeWithRows('n-0', [incoming('m1', 1, now + 300_000)])], ['n-1', nodeWithRows('n-1', [incoming('m2', 1, now - 120_000)])]])
    const seen: Observation[] = []
    const d = new Driver(s, p, nodes, network, { observe: o => { seen.push(o) } })
    await d.play()
    const at = Object.fromEntries(seen.map(o => [o.key, o.at]))
    assert.deepEqual(Object.keys(at).sort(), ['m1', 'm2'])
    // play() began after `now`: both copies were stored just before it, on the machine's clock
    for (const key of ['m1', 'm2']) assert.ok(at[key] <= 0 && at[key] > -1_000, `${key} at ${at[key]} ms`)
  })

  it('finds a stored message its node\'s changes feed never reported, and counts it', async () => {
    // the feed reports m1@1 and m2@2; m2 is then deleted and a new message m3 reuses rev 2 (as a
    // store that restarts its counter from the highest rev left would): changedAfter=2 never shows it
    const rows = [incoming('m1', 1, Date.now()), incoming('m2', 2, Date.now())]
    const s = quiet()
    const nodes = new Map<string, NodeControl>([['n-0', nodeWithRows('n-0', rows)], ['n-1', nodeWithRows('n-1', [])]])
    const seen: Observation[] = []
    const d = new Driver(s, plan(s), nodes, network, { observe: o => { seen.push(o) } })
    setTimeout(() => { rows.splice(1, 1, incoming('m3', 2, Date.now())) }, 700)
    await d.play()
    assert.deepEqual(d.missedByFeed, [{ node: 'n-0', id: 'm3', rev: 2, direction: 'in', status: 'delivered' }])
    assert.deepEqual(seen.map(o => o.key).sort(), ['m1', 'm2', 'm3'], 'the full read counts it as received')
  })
})
