/**
 * The driver's pace (node/sim/driver.ts): a run that falls behind its plan keeps its quiet tail,
 * and `drainMs` lets it go on while acknowledged messages are still on their way. The nodes here
 * are stand-ins implementing NodeControl (the driver's only view of a node) whose stop takes a
 * set time: an overloaded machine cannot be made on demand, and what is tested is the driver's
 * clock, not Ferry. test/node/sim.spec.ts drains a run of real nodes.
 */
import assert from 'node:assert/strict'
import { Driver } from '../../node/sim/driver.js'
import { plan } from '../../node/sim/plan.js'
import { validateScenario } from '../../node/sim/scenario.js'
import type { NodeControl, NetworkControl } from '../../node/sim/driver.js'
import type { Scenario } from '../../node/sim/types.js'

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
