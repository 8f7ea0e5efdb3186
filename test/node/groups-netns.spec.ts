/**
 * Ferrying between units that never share a link (network namespaces, real daemons): A and B on
 * one bridge, B and C on another, no route between A and C. B is with A while A sends to the team
 * room, then B's link to A goes down and its link to C comes up: A's message reaches C through B,
 * exactly once; C reads it; then B's link to A is back and A shows C's delivery and read receipt,
 * carried by B. mDNS
 * is off: contacts come from invites, and units re-dial their member contacts every 20 s.
 */
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { tempDir, waitFor } from './harness.js'
import { haveNetns, Netns, NsDaemon } from './netns.js'
import type { Link } from './netns.js'

const listenOn = (...addresses: string[]): string[] => addresses.flatMap(a => ['--listen', `/ip4/${a}/tcp/0`])

describe('team rooms: a message ferried between units that never meet (network namespaces)', function () {
  this.timeout(300_000)
  const net = new Netns()
  let a: NsDaemon, b: NsDaemon, c: NsDaemon
  let bToA: Link, bToC: Link
  let gid = ''

  before(async function () {
    if (!haveNetns()) {
      console.log('      (skipped: needs root and iproute2 to make network namespaces)')
      this.skip()
    }
    const ab = net.bridge('gab')
    const bc = net.bridge('gbc')
    const [nsA, nsB, nsC] = [net.add('ga'), net.add('gb'), net.add('gc')]
    net.plug(nsA, ab, '10.78.1.1/24')
    bToA = net.plug(nsB, ab, '10.78.1.2/24')
    bToC = net.plug(nsB, bc, '10.78.2.2/24')
    net.plug(nsC, bc, '10.78.2.3/24')
    a = await new NsDaemon(nsA, tempDir('ferry-ga-'), 'a').init()
    b = await new NsDaemon(nsB, tempDir('ferry-gb-'), 'b').init()
    c = await new NsDaemon(nsC, tempDir('ferry-gc-'), 'c').init()
    await Promise.all([a.start([...listenOn('10.78.1.1'), '--no-mdns']), b.start([...listenOn('10.78.1.2', '10.78.2.2'), '--no-mdns']), c.start([...listenOn('10.78.2.3'), '--no-mdns'])])
    const invite = async (d: NsDaemon): Promise<string> => (await d.json(['invite'])).invite
    for (const d of [a, c]) {
      await d.json(['contact', 'add', 'b', await invite(b)])
      await b.json(['contact', 'add', d.name, await invite(d)])
    }
  })

  after(async () => {
    await Promise.all([a, b, c].filter(d => d != null).map(async d => d.stop()))
    await net.destroy()
    for (const d of [a, b, c]) if (d != null) rmSync(d.dir, { recursive: true, force: true })
  })

  const incoming = async (d: NsDaemon): Promise<string[]> => (await d.json(['messages', '--group', gid])).filter((m: any) => m.direction === 'in').map((m: any) => m.text)

  it('A\'s message reaches C through B exactly once, and C\'s receipts come back to A through B', async () => {
    gid = (await b.json(['group', 'create', 'relay', '--member', 'a', '--member', 'c'])).group
    await waitFor('every unit in the room, its key answers gone round', async () => {
      const views = await Promise.all([a, b, c].map(async d => await d.json(['group', 'info', gid]).catch(() => undefined)))
      return views.every(v => v?.keys === 'member' && v.converged === true)
    }, 90_000)
    net.down(bToC)
    await a.json(['group', 'send', gid, 'over the hill'])
    await waitFor('B holds A\'s message', async () => (await incoming(b)).includes('over the hill'), 60_000)
    net.down(bToA)
    net.up(bToC)
    await waitFor('C holds A\'s message', async () => (await incoming(c)).includes('over the hill'), 120_000)
    assert.deepEqual((await incoming(c)).filter(t => t === 'over the hill'), ['over the hill'], 'exactly once')
    assert.equal((await c.json(['read', '--group', gid])).read, 1)
    // B's link to A comes back (C's stays: B carries C's receipts on to A; A and C still share no link)
    net.up(bToA)
    const mine = async (): Promise<any> => (await a.json(['messages', '--group', gid])).find((m: any) => m.text === 'over the hill')?.recipients
    await waitFor('A shows its message delivered to both and read by C', async () => { const r = await mine(); return r?.delivered === 2 && r?.read === 1 }, 120_000)
    const cPeer = (await c.json(['id'])).peerId
    assert.ok(!(await a.json(['status'])).connections.some((x: any) => x.peer === cPeer), 'A never connected to C')
  })
})
