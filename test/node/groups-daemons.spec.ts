/**
 * Team rooms between real `ferry start` daemons (separate processes, TCP and WebRTC-direct on
 * 127.0.0.1), driven through the CLI as a user would: alice makes a room with bob and carol, who
 * are not each other's contacts; everyone's messages reach the other two exactly once and in each
 * author's order; carol, stopped while alice and bob send 10 each, gets all 20 when she is back
 * and alice and bob (through alice: carol's receipt) see them delivered to her; after alice
 * removes carol, carol reads nothing sent later and what carol sends is refused by the others.
 */
import assert from 'node:assert/strict'
import { befriend, cli, startDaemons, stopAll, waitFor } from './harness.js'
import type { DaemonProcess } from './harness.js'

describe('team rooms between daemons, through the CLI', function () {
  this.timeout(240_000)
  let alice: DaemonProcess, bob: DaemonProcess, carol: DaemonProcess
  let gid = ''

  before(async () => {
    [alice, bob, carol] = await startDaemons('alice', 'bob', 'carol')
    await befriend(alice, bob)
    await befriend(alice, carol)
  })

  after(async () => { await stopAll([alice, bob, carol].filter(d => d != null)) })

  const ferry = async (d: DaemonProcess, ...args: string[]): Promise<string> => {
    const r = await cli([...args, '--data-dir', d.dir])
    if (r.code !== 0) throw new Error(`ferry ${args.join(' ')} (${d.name}) exited ${r.code}: ${r.stderr}`)
    return r.stdout
  }
  const history = async (d: DaemonProcess): Promise<any[]> => JSON.parse(await ferry(d, 'messages', '--group', gid, '--json'))
  const incoming = async (d: DaemonProcess): Promise<string[]> => (await history(d)).filter(m => m.direction === 'in').map(m => m.text)

  it('alice, bob and carol (bob and carol strangers): every message reaches the other two once, in its author\'s order', async () => {
    const made = JSON.parse(await ferry(alice, 'group', 'create', 'ops', '--member', 'bob', '--member', 'carol', '--json'))
    gid = made.group
    assert.match(gid, /^[0-9a-f]{64}$/)
    assert.equal(made.name, 'ops')
    for (const d of [bob, carol]) await waitFor(`${d.name} in the room's keys`, async () => (await cli(['group', 'info', gid, '--json', '--data-dir', d.dir])).stdout.includes('"keys": "member"'))
    const info = JSON.parse(await ferry(bob, 'group', 'info', 'ops', '--json'))
    assert.deepEqual(info.members.map((m: any) => m.role).sort(), ['admin', 'member', 'member'])
    assert.equal(info.members.find((m: any) => m.role === 'admin').name, 'alice', 'bob knows alice by his contact name')
    for (let i = 1; i <= 3; i++) for (const d of [alice, bob, carol]) await ferry(d, 'group', 'send', gid, `${d.name} ${i}`)
    await waitFor('everyone holds the other two\'s six', async () => (await Promise.all([alice, bob, carol].map(incoming))).every(t => t.length === 6), 60_000)
    for (const d of [alice, bob, carol]) {
      const got = await incoming(d)
      for (const o of [alice, bob, carol].filter(o => o !== d)) assert.deepEqual(got.filter(t => t.startsWith(o.name)), [1, 2, 3].map(i => `${o.name} ${i}`), `${d.name} reads ${o.name}'s three once, in order`)
    }
    const line = (await ferry(alice, 'messages', '--group', 'ops')).split('\n').find(l => l.includes('alice 1'))
    assert.match(line ?? '', /you: alice 1 \[delivered 2\/2, read 0\/2\]/)
  })

  it('carol, stopped while alice and bob send 10 each, gets all 20 once when she is back; alice and bob see them delivered', async () => {
    await waitFor('every key answer has gone round', async () => {
      const views = await Promise.all([alice, bob, carol].map(async d => JSON.parse(await ferry(d, 'group', 'info', gid, '--json'))))
      return views.every(v => v.converged === true)
    })
    await carol.stop()
    for (let i = 1; i <= 10; i++) {
      await ferry(alice, 'group', 'send', gid, `away a${i}`)
      await ferry(bob, 'group', 'send', gid, `away b${i}`)
    }
    await carol.start()
    await waitFor('carol holds all twenty', async () => (await incoming(carol)).filter(t => t.startsWith('away')).length >= 20, 60_000)
    const got = (await incoming(carol)).filter(t => t.startsWith('away'))
    assert.equal(got.length, 20, 'each once')
    assert.deepEqual(got.filter(t => t.startsWith('away a')), Array.from({ length: 10 }, (_, i) => `away a${i + 1}`))
    assert.deepEqual(got.filter(t => t.startsWith('away b')), Array.from({ length: 10 }, (_, i) => `away b${i + 1}`))
    await waitFor('alice sees her ten delivered to both', async () => (await history(alice)).filter(m => m.direction === 'out' && m.text.startsWith('away') && m.recipients.delivered === 2).length === 10, 60_000)
    // bob never meets carol: her receipt reaches him through alice
    await waitFor('bob sees his ten delivered to both', async () => (await history(bob)).filter(m => m.direction === 'out' && m.text.startsWith('away') && m.recipients.delivered === 2).length === 10, 60_000)
  })

  it('after alice removes carol, carol reads nothing sent later and what she sends is refused', async () => {
    await ferry(alice, 'group', 'remove', gid, 'carol')
    await waitFor('bob sees carol removed', async () => JSON.parse(await ferry(bob, 'group', 'info', gid, '--json')).members.length === 2)
    await ferry(bob, 'group', 'send', gid, 'after removal')
    await waitFor('alice gets bob\'s message', async () => (await incoming(alice)).includes('after removal'))
    const sent = await cli(['group', 'send', gid, 'carol after removal', '--data-dir', carol.dir])
    await new Promise(resolve => setTimeout(resolve, 3000))
    assert.ok(!(await incoming(carol)).includes('after removal'), 'carol read nothing sent after her removal')
    for (const d of [alice, bob]) assert.ok(!(await incoming(d)).includes('carol after removal'), `${d.name} refused carol's message (her send: exit ${sent.code}, ${sent.stderr.trim()})`)
    const members = async (d: DaemonProcess): Promise<string> => JSON.parse(await ferry(d, 'group', 'info', gid, '--json')).members.map((m: any) => m.identity).sort().join(',')
    assert.equal(await members(alice), await members(bob))
  })

  it('answers a wrong group, a non-admin\'s add and a missing argument with clear errors', async () => {
    const unknown = await cli(['group', 'info', 'nope', '--data-dir', alice.dir])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no group "nope"/)
    const notAdmin = await cli(['group', 'add', gid, 'alice', '--data-dir', bob.dir])
    assert.equal(notAdmin.code, 1)
    assert.match(notAdmin.stderr, /admin|already a member/)
    const usage = await cli(['group', 'send', gid, '--data-dir', alice.dir])
    assert.equal(usage.code, 2)
    const taken = await cli(['group', 'create', 'ops', '--member', 'bob', '--data-dir', alice.dir])
    assert.equal(taken.code, 1)
    assert.match(taken.stderr, /already have a group named "ops"/)
  })
})
