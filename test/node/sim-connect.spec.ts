/**
 * The driver's set-up step, `connect()`: every planned contact in both directions, every mailbox
 * agreement with the hosts told before the owner uses them, and a progress line every tenth of a
 * large set-up. The nodes are recorders (this is the driver's bookkeeping; the real nodes run in
 * sim.spec.ts and the other sim specs).
 */
import assert from 'node:assert/strict'
import { connect } from '../../node/sim/driver.js'
import type { NodeControl } from '../../node/sim/driver.js'
import type { Plan } from '../../node/sim/types.js'

function recorders (names: string[], calls: string[]): Map<string, NodeControl> {
  const node = (name: string): NodeControl => ({
    name,
    running: () => true,
    start: async () => {},
    stop: async () => {},
    crash: async () => {},
    invite: async () => `invite-of-${name}`,
    addContact: async (contact, invite) => { calls.push(`${name} add ${contact} ${invite}`) },
    hostMailbox: async owner => { calls.push(`${name} hosts ${owner}`) },
    useMailboxes: async hosts => { calls.push(`${name} uses ${hosts.join(',')}`) },
    send: async () => { throw new Error('not in set-up') },
    changes: async () => [],
    resume: async () => {}
  })
  return new Map(names.map(n => [n, node(n)]))
}

describe('sim driver: connect()', () => {
  it('makes every contact both ways and every mailbox agreement, hosts first', async () => {
    const calls: string[] = []
    const plan: Plan = { nodes: [], contacts: [['a', 'b'], ['b', 'c']], mailboxes: { a: ['h'], b: [], c: ['h'] }, events: [], messages: [] }
    const lines: string[] = []
    await connect(plan, recorders(['a', 'b', 'c', 'h'], calls), l => lines.push(l))
    assert.deepEqual(calls.filter(c => c.includes(' add ')).sort(), ['a add b invite-of-b', 'b add a invite-of-a', 'b add c invite-of-c', 'c add b invite-of-b'])
    for (const owner of ['a', 'c']) {
      assert.ok(calls.indexOf(`h hosts ${owner}`) < calls.indexOf(`${owner} uses h`) && calls.includes(`${owner} uses h`), calls.join('; '))
    }
    assert.equal(calls.some(c => c.startsWith('b uses')), false, 'b has no hosts: no agreement')
    assert.equal(lines.length, 1, 'a small set-up logs only its end')
    assert.match(lines[0], /^contacts and mailbox agreements made in \d+ s$/)
  })

  it('logs progress every tenth of a large set-up: contact pairs, then mailbox owners', async () => {
    const names = Array.from({ length: 1_000 }, (_, i) => `n${i}`)
    const contacts = names.flatMap((n, i) => [[n, names[(i + 1) % 1_000]], [n, names[(i + 7) % 1_000]]] as Array<[string, string]>)
    const plan: Plan = { nodes: [], contacts, mailboxes: Object.fromEntries(names.map(n => [n, ['n0']])), events: [], messages: [] }
    const lines: string[] = []
    await connect(plan, recorders(names, []), l => lines.push(l))
    const counts = (what: string): number[] => lines.filter(l => l.startsWith(what + ':')).map(l => Number(/: (\d+)\//.exec(l)?.[1]))
    assert.deepEqual(counts('contacts'), [200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000])
    assert.deepEqual(counts('mailbox agreements'), [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000])
    assert.ok(lines.indexOf(lines.find(l => l.startsWith('mailbox agreements:')) as string) > lines.indexOf(lines.find(l => l.startsWith('contacts: 2000/2000 pairs')) as string))
    assert.match(lines[lines.length - 1], /^contacts and mailbox agreements made in/)
  })
})
