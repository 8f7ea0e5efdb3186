/**
 * Team rooms on linked devices between real daemons, through the CLI: alice, bob and carol share
 * a room; alice links a laptop with a one-time code, and the laptop joins the room as another
 * device of alice with no admin command; it reads what is sent after, what it sends reaches bob
 * and carol and shows on alice's first device as her own; after `ferry device revoke`, the
 * laptop reads nothing sent later and what it sends is refused.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { befriend, cli, DaemonProcess, sleep, startDaemons, stopAll, tempDir, waitFor } from './harness.js'

describe('team rooms on linked devices, between daemons', function () {
  this.timeout(300_000)
  let alice: DaemonProcess, bob: DaemonProcess, carol: DaemonProcess
  let laptop: DaemonProcess | undefined
  let gid = ''

  before(async () => {
    [alice, bob, carol] = await startDaemons('alice', 'bob', 'carol')
    await befriend(alice, bob)
    await befriend(alice, carol)
  })

  after(async () => { await stopAll([alice, bob, carol, ...(laptop == null ? [] : [laptop])]) })

  const ferry = async (d: DaemonProcess, ...args: string[]): Promise<string> => {
    const r = await cli([...args, '--data-dir', d.dir])
    if (r.code !== 0) throw new Error(`ferry ${args.join(' ')} (${d.name}) exited ${r.code}: ${r.stderr}`)
    return r.stdout
  }
  const info = async (d: DaemonProcess): Promise<any> => JSON.parse(await ferry(d, 'group', 'info', gid, '--json'))
  const history = async (d: DaemonProcess): Promise<any[]> => JSON.parse(await ferry(d, 'messages', '--group', gid, '--json'))
  const texts = async (d: DaemonProcess, direction?: 'in' | 'out'): Promise<string[]> => (await history(d)).filter(m => direction == null || m.direction === direction).map(m => m.text)

  it('a linked laptop joins its person\'s room as another device of alice, with no admin command', async () => {
    gid = JSON.parse(await ferry(alice, 'group', 'create', 'ops', '--member', 'bob', '--member', 'carol', '--json')).group
    for (const d of [bob, carol]) await waitFor(`${d.name} in the room's keys`, async () => (await info(d)).keys === 'member')
    const code = JSON.parse(await ferry(alice, 'device', 'link', '--json')).link
    const dir = join(tempDir('ferry-laptop-'), 'data')
    const linked = await cli(['init', '--link', code, '--name', 'laptop', '--data-dir', dir])
    assert.equal(linked.code, 0, linked.stderr)
    laptop = await new DaemonProcess(dir, 'laptop').start()
    await waitFor('the laptop holds the room, in its keys', async () => {
      const r = await cli(['group', 'info', gid, '--json', '--data-dir', dir])
      return r.code === 0 && JSON.parse(r.stdout).keys === 'member'
    }, 90_000)
    const seen = await info(laptop)
    assert.equal(seen.name, 'ops')
    assert.equal(seen.members.length, 3, 'still three members: the laptop is alice')
    assert.equal(seen.members.find((m: any) => m.me === true).devices, 2)
    await waitFor('bob and carol see alice with two devices', async () => {
      for (const d of [bob, carol]) if ((await info(d)).members.find((m: any) => m.name === 'alice')?.devices !== 2) return false
      return true
    })
  })

  it('the laptop reads what is sent after; what it sends reaches bob and carol and shows on alice\'s phone as hers', async () => {
    const l = laptop as DaemonProcess
    await ferry(bob, 'group', 'send', gid, 'bob after the link')
    await waitFor('alice and the laptop have bob\'s message', async () => (await texts(alice, 'in')).includes('bob after the link') && (await texts(l, 'in')).includes('bob after the link'), 60_000)
    await ferry(l, 'group', 'send', gid, 'from the laptop')
    for (const d of [bob, carol]) await waitFor(`${d.name} has the laptop's message`, async () => (await texts(d, 'in')).includes('from the laptop'), 60_000)
    await waitFor('alice\'s phone shows it as sent, from elsewhere', async () => (await history(alice)).some(m => m.text === 'from the laptop' && m.direction === 'out' && m.elsewhere === true), 60_000)
    await sleep(2000)
    for (const d of [alice, bob, carol, l]) {
      const all = await texts(d)
      assert.equal(all.filter(t => t === 'from the laptop').length, 1, `${d.name} holds it once`)
      assert.equal(all.filter(t => t === 'bob after the link').length, 1, `${d.name} holds bob's once`)
    }
    const phone = (await history(alice)).find(m => m.text === 'from the laptop')
    assert.equal(phone.read, true, 'one\'s own message is never unread')
    assert.equal((await info(alice)).unread, 1, 'bob\'s message is unread on the phone; the laptop\'s own is not')
  })

  it('after `ferry device revoke`, the laptop reads nothing sent later and what it sends is refused', async () => {
    const l = laptop as DaemonProcess
    const peer = (await l.api.get<any>('/v1/id')).peerId
    await ferry(alice, 'device', 'revoke', peer)
    for (const d of [alice, bob, carol]) await waitFor(`${d.name} sees alice with one device`, async () => (await info(d)).members.find((m: any) => m.me === true || m.name === 'alice')?.devices === 1, 60_000)
    await ferry(carol, 'group', 'send', gid, 'carol after the revoke')
    await waitFor('alice has it', async () => (await texts(alice, 'in')).includes('carol after the revoke'), 60_000)
    const sent = await cli(['group', 'send', gid, 'laptop after the revoke', '--data-dir', l.dir])
    await sleep(5000)
    assert.ok(!(await texts(l, 'in')).includes('carol after the revoke'), 'the revoked laptop reads nothing sent later')
    for (const d of [alice, bob, carol]) assert.ok(!(await texts(d)).includes('laptop after the revoke'), `${d.name} never shows what the revoked laptop sent (its send: exit ${sent.code})`)
  })
})
