/**
 * Field units: three daemons in three network namespaces on one bridge, with
 * no bootstrap configuration and no internet, find each other by mDNS and exchange messages; one
 * unit's link is cut (its veth taken down), messages to it queue, the link returns, and every
 * queued message is delivered exactly once. A fourth unit runs with --no-mdns and is seen by
 * nobody. Real kernel networking, real daemons; namespaces are removed afterwards.
 */
import { rmSync } from 'node:fs'
import assert from 'node:assert/strict'
import { sleep, tempDir, waitFor } from './harness.js'
import { haveNetns, Netns, NsDaemon } from './netns.js'
import type { Link } from './netns.js'

const listenOn = (address: string): string[] => ['--listen', `/ip4/${address}/tcp/0`, '--listen', `/ip4/${address}/udp/0/webrtc-direct`]

describe('field units on a LAN (mDNS, network namespaces)', function () {
  this.timeout(240_000)
  const net = new Netns()
  const units: NsDaemon[] = []
  const links: Link[] = []

  before(async function () {
    if (!haveNetns()) {
      console.log('      (skipped: needs root and iproute2 to make network namespaces)')
      this.skip()
    }
    const lan = net.bridge('lan')
    for (const [i, name] of ['u1', 'u2', 'u3', 'quiet'].entries()) {
      const ns = net.add(name)
      const link = net.plug(ns, lan, `10.77.0.${i + 1}/24`)
      links.push(link)
      const unit = await new NsDaemon(ns, tempDir(`ferry-${name}-`), name).init()
      units.push(unit)
    }
    // no --bootstrap, no contacts yet: the only way to know of each other is mDNS
    await Promise.all(units.map(async (u, i) => u.start([...listenOn(links[i].address), ...(u.name === 'quiet' ? ['--no-mdns'] : [])])))
  })

  after(async function () {
    await Promise.all(units.map(async u => u.stop()))
    await net.destroy()
    for (const u of units) rmSync(u.dir, { recursive: true, force: true })
  })

  it('units discover each other by mDNS alone; the one with --no-mdns stays unseen', async () => {
    const [u1, u2, u3, quiet] = units
    await waitFor('every unit to see the two others on the LAN', async () => {
      const seen = await Promise.all([u1, u2, u3].map(async u => (await u.json(['status'])).lan.peers))
      return seen.every(n => n >= 2)
    }, 60_000)
    for (const u of [u1, u2, u3]) {
      const s = await u.json(['status'])
      assert.deepEqual(s.lan, { enabled: true, peers: 2 }) // not 3: quiet does not announce
    }
    const q = await quiet.json(['status'])
    assert.deepEqual(q.lan, { enabled: false, peers: 0 })
  })

  it('units exchange messages, and one cut off gets its queued messages exactly once when its link returns', async () => {
    const [u1, u2, u3] = units
    const invites = await Promise.all([u1, u2, u3].map(async u => (await u.json(['invite'])).invite as string))
    for (const [i, u] of [u1, u2, u3].entries()) {
      for (const [j, other] of [u1, u2, u3].entries()) {
        if (i !== j) assert.equal((await u.run(['contact', 'add', other.name, invites[j]])).code, 0)
      }
    }
    // a contact seen on the LAN is dialled at once
    const how = await u1.json(['lookup', 'u2'])
    assert.ok(['connection', 'mdns'].includes(how.source), `u2 reached through ${how.source}`)

    for (const [from, to] of [[u1, u2], [u2, u3], [u3, u1]] as const) {
      for (let k = 0; k < 3; k++) assert.equal((await from.run(['send', to.name, `hello ${to.name} ${k} from ${from.name}`])).code, 0)
    }
    await waitFor('9 messages delivered on the LAN', async () => {
      const counts = await Promise.all([u1, u2, u3].map(async u => (await u.json(['messages'])).filter((m: any) => m.direction === 'in').length))
      return counts.every(n => n === 3)
    }, 60_000)

    // cut u3 off
    net.down(links[2])
    const queued: string[] = []
    for (let k = 0; k < 5; k++) {
      for (const from of [u1, u2]) {
        const text = `while apart ${k} from ${from.name}`
        const m = await from.json(['send', 'u3', text])
        queued.push(text)
        assert.equal(m.status, 'queued')
      }
    }
    await sleep(8_000)
    for (const from of [u1, u2]) {
      const out = (await from.json(['messages', 'u3'])).filter((m: any) => m.direction === 'out' && m.text.startsWith('while apart'))
      assert.equal(out.length, 5)
      assert.ok(out.every((m: any) => m.status === 'queued'), 'nothing can be delivered while the link is down')
    }

    net.up(links[2])
    await waitFor('every queued message delivered to u3', async () => {
      const got = (await u3.json(['messages'])).filter((m: any) => m.direction === 'in' && m.text.startsWith('while apart'))
      return got.length >= queued.length
    }, 120_000)
    await waitFor('the senders to hold receipts', async () => {
      const outs = await Promise.all([u1, u2].map(async u => (await u.json(['messages', 'u3'])).filter((m: any) => m.direction === 'out' && m.text.startsWith('while apart'))))
      return outs.flat().every((m: any) => m.status === 'delivered')
    }, 60_000)
    await sleep(3_000) // a late retry would show up as a duplicate now
    const got = (await u3.json(['messages'])).filter((m: any) => m.direction === 'in' && m.text.startsWith('while apart'))
    assert.deepEqual(got.map((m: any) => m.text).sort(), [...queued].sort())
    assert.equal(new Set(got.map((m: any) => m.id)).size, queued.length)
  })
})
