/**
 * Read state through the CLI contract: two daemons as separate processes. `contact list` counts
 * unread messages, `ferry read NAME` marks them read and the sender sees 'read' once the receipt
 * arrives; `ferry messages` (which scripts poll) never marks anything read.
 */
import assert from 'node:assert/strict'
import { befriend, cli, startDaemons, stopAll, waitFor } from './harness.js'
import type { DaemonProcess } from './harness.js'

describe('ferry read and unread counts (two daemons, CLI)', function () {
  this.timeout(120_000)
  let alice: DaemonProcess
  let bob: DaemonProcess

  before(async () => {
    [alice, bob] = await startDaemons('alice', 'bob')
    await befriend(alice, bob)
  })

  after(async () => stopAll([alice, bob].filter(Boolean)))

  /** Run `ferry ARGS --data-dir` of daemon `d`; assert exit 0 and return stdout. */
  async function ferry (d: DaemonProcess, ...args: string[]): Promise<string> {
    const r = await cli([...args, '--data-dir', d.dir])
    assert.equal(r.code, 0, `ferry ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
    return r.stdout
  }

  const contacts = async (d: DaemonProcess): Promise<any[]> => JSON.parse(await ferry(d, 'contact', 'list', '--json'))
  const sendText = async (text: string): Promise<string> => JSON.parse(await ferry(alice, 'send', 'bob', text, '--json')).id
  const statuses = async (d: DaemonProcess, direction: 'in' | 'out'): Promise<string[]> => (await d.messages(direction)).map(m => m.status)

  it('bob reads alice\'s 2 messages: unread goes 2 -> 0, alice sees both read, messages marks nothing', async () => {
    const ids = [await sendText('first'), await sendText('second')]
    await waitFor('both delivered', async () => (await statuses(alice, 'out')).join() === 'delivered,delivered')

    // polling the history, in every form, must leave the messages unread
    await ferry(bob, 'messages')
    await ferry(bob, 'messages', 'alice')
    const seen = JSON.parse(await ferry(bob, 'messages', 'alice', '--json'))
    assert.deepEqual(seen.map((m: any) => [m.id, m.status]), ids.map(id => [id, 'delivered']))

    assert.deepEqual((await contacts(bob)).map(c => [c.name, c.unread]), [['alice', 2]])
    assert.deepEqual((await contacts(alice)).map(c => [c.name, c.unread]), [['bob', 0]])
    assert.match(await ferry(bob, 'contact', 'list'), /^alice\t\S+\t2 unread$/m)
    assert.doesNotMatch(await ferry(alice, 'contact', 'list'), /unread/)

    const read = JSON.parse(await ferry(bob, 'read', 'alice', '--json'))
    assert.deepEqual(read, { contact: 'alice', read: ids })
    assert.deepEqual(await statuses(bob, 'in'), ['read', 'read'])
    assert.deepEqual((await contacts(bob))[0].unread, 0)
    assert.doesNotMatch(await ferry(bob, 'contact', 'list'), /unread/)

    await waitFor('alice sees both read', async () => (await statuses(alice, 'out')).join() === 'read,read')
    const sent = JSON.parse(await ferry(alice, 'messages', 'bob', '--json'))
    assert.deepEqual(sent.map((m: any) => [m.id, m.direction, m.status]), ids.map(id => [id, 'out', 'read']))
    assert.equal(sent.length, 2, 'the read receipt is no message in the history')

    assert.equal((await ferry(bob, 'read', 'alice')).trim(), '0 messages from alice marked read')
  })

  it('plain `ferry read` prints the count; a later message is unread again', async () => {
    const id = await sendText('third')
    await waitFor('third delivered', async () => (await bob.messages('in')).some(m => m.id === id))
    assert.deepEqual((await contacts(bob))[0].unread, 1)
    assert.equal((await ferry(bob, 'read', 'alice')).trim(), '1 message from alice marked read')
    await waitFor('alice sees it read', async () => (await alice.messages('out')).find(m => m.id === id)?.status === 'read')
  })

  it('unknown contact: exit 1 with one clear line; no name: usage error; the API checks its input', async () => {
    const r = await cli(['read', 'nobody', '--data-dir', bob.dir])
    assert.equal(r.code, 1)
    assert.equal(r.stderr, 'ferry: no contact named "nobody"\n')
    assert.equal(r.stdout, '')

    const usage = await cli(['read', '--data-dir', bob.dir])
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /usage: ferry read NAME/)

    await assert.rejects(bob.api.post('/v1/read', { name: 5 }), (err: any) => err.status === 400)
    await assert.rejects(bob.api.post('/v1/read', { name: 'nobody' }), (err: any) => err.status === 404)
  })
})
