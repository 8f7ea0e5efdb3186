/**
 * Relay: A can only be reached through B's relay; C sends to A successfully.
 * Two bridges in network namespaces: A and B share one LAN, B and C another; B does not route
 * between them (a new namespace has forwarding off), so no packet of C's can reach A except
 * through B's circuit relay v2 server. A holds a slot on B (`--relay`), its invite carries the
 * relayed address, and C's messages arrive over a circuit-relay connection. mDNS is off: the only
 * way A is known is its invite.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RELAY_LIMITS } from '../../protocol/index.js'
import { tempDir, waitFor } from './harness.js'
import { haveNetns, Netns, NsDaemon } from './netns.js'

describe('circuit relay (network namespaces)', function () {
  this.timeout(180_000)
  const net = new Netns()
  const daemons: NsDaemon[] = []

  after(async function () {
    await Promise.all(daemons.map(async d => d.stop()))
    await net.destroy()
    for (const d of daemons) rmSync(d.dir, { recursive: true, force: true })
  })

  it('C reaches A, which only B can reach, through B\'s relay — both ways on that connection', async function () {
    if (!haveNetns()) {
      console.log('      (skipped: needs root and iproute2 to make network namespaces)')
      this.skip()
    }
    const left = net.bridge('left')
    const right = net.bridge('right')
    const nsA = net.add('a')
    const nsB = net.add('b')
    const nsC = net.add('c')
    net.plug(nsA, left, '10.78.1.1/24')
    net.plug(nsB, left, '10.78.1.2/24')
    net.plug(nsB, right, '10.78.2.2/24')
    net.plug(nsC, right, '10.78.2.3/24')

    const [a, b, c] = await Promise.all([new NsDaemon(nsA, tempDir('ferry-a-'), 'a').init(), new NsDaemon(nsB, tempDir('ferry-b-'), 'b').init(), new NsDaemon(nsC, tempDir('ferry-c-'), 'c').init()])
    daemons.push(a, b, c)
    await b.start(['--no-mdns', '--listen', '/ip4/10.78.1.2/tcp/0', '--listen', '/ip4/10.78.2.2/tcp/0'])
    const bAddrs: string[] = (await b.json(['id'])).addresses
    const bOnLeft = bAddrs.find(x => x.startsWith('/ip4/10.78.1.2/tcp/'))
    assert.ok(bOnLeft != null, `B listens on the left LAN: ${bAddrs.join(' ')}`)

    await Promise.all([
      a.start(['--no-mdns', '--listen', '/ip4/10.78.1.1/tcp/0', '--relay', bOnLeft]),
      c.start(['--no-mdns', '--listen', '/ip4/10.78.2.3/tcp/0'])
    ])
    const bPeer = (await b.json(['id'])).peerId
    await waitFor('A to hold a slot on B', async () => (await a.json(['status'])).relay.reservations.includes(bPeer), 60_000)
    const aStatus = await a.json(['status'])
    assert.ok(aStatus.relay.addresses.some((x: string) => x.startsWith('/ip4/10.78.2.2/') && x.includes(`/p2p/${bPeer}/p2p-circuit`)), `A is reachable via B on the right LAN: ${aStatus.relay.addresses.join(' ')}`)
    assert.equal((await b.json(['status'])).relay.serving, 1)

    // C knows A only by A's invite; A's direct address (10.78.1.1) is unroutable from C
    const invite = (await a.json(['invite'])).invite
    assert.equal((await c.run(['contact', 'add', 'a', invite])).code, 0)
    assert.equal((await a.run(['contact', 'add', 'c', (await c.json(['invite'])).invite])).code, 0)
    for (let i = 0; i < 5; i++) assert.equal((await c.run(['send', 'a', `via the relay ${i}`])).code, 0)
    await waitFor('A to receive 5 messages from C', async () => (await a.json(['messages', 'c'])).filter((m: any) => m.direction === 'in').length === 5, 60_000)
    await waitFor('C to hold 5 receipts', async () => (await c.json(['messages', 'a'])).filter((m: any) => m.status === 'delivered').length === 5, 30_000)
    const onC = (await c.json(['status'])).connections.filter((x: any) => x.contact === 'a')
    assert.ok(onC.length > 0 && onC.every((x: any) => x.transport === 'circuit-relay'), `C reaches A only through the relay: ${JSON.stringify(onC)}`)
    const how = await c.json(['lookup', 'a'])
    assert.equal(how.transport, 'circuit-relay')

    // A answers over the relayed connection C opened (A cannot dial C's LAN at all)
    assert.equal((await a.run(['send', 'c', 'got them'])).code, 0)
    await waitFor('C to receive A\'s answer', async () => (await c.json(['messages', 'a'])).some((m: any) => m.direction === 'in' && m.text === 'got them'), 30_000)
  })

  it('a 10 MiB file from A reaches C through the relay, which carries 4 MiB per connection: the transfer resumes on each new relayed connection', async function () {
    this.timeout(360_000)
    if (daemons.length < 3) this.skip()
    const [a, , c] = daemons
    assert.equal(RELAY_LIMITS.defaultDataLimit, BigInt(4 * 1024 * 1024))
    const bytes = randomBytes(10 * 1024 * 1024)
    const path = join(tempDir('ferry-relay-file-'), 'survey.bin')
    writeFileSync(path, bytes)
    assert.equal((await a.run(['send', 'c', '--file', path])).code, 0)
    let m: any
    const errors = new Set<string>()
    await waitFor('the file complete at C', async () => {
      m = (await c.json(['messages', 'a'])).find((x: any) => x.file?.name === 'survey.bin')
      if (typeof m?.file?.error === 'string') errors.add(m.file.error)
      return m?.file?.status === 'complete'
    }, 300_000)
    // a relayed connection ending under the transfer shows as a passing error ("the sender is not
    // reachable now") when a look falls between the cut and the resume; the resume can be quicker
    // than the CLI's looks, so what proves it is below: the whole file over relayed connections only
    console.log('      seen while it came:', JSON.stringify([...errors]))
    const out = join(tempDir('ferry-relay-file-'), 'got.bin')
    assert.equal((await c.run(['file', 'get', m.id, '--out', out])).code, 0)
    assert.equal(createHash('sha256').update(readFileSync(out)).digest('hex'), createHash('sha256').update(bytes).digest('hex'))
    // no direct path exists (the first test showed it): 10 MiB through connections of at most
    // 4 MiB each took three or more relayed connections, each resuming where the last ended
    const onC = (await c.json(['status'])).connections.filter((x: any) => x.contact === 'a')
    assert.ok(onC.every((x: any) => x.transport === 'circuit-relay'), `C reaches A only through the relay: ${JSON.stringify(onC)}`)
    const served = (await a.json(['status'])).files.servedChunks
    console.log(`      chunks served for a 160-chunk file: ${served as number}`)
    assert.ok(served >= 160 && served < 160 * 2, `${served as number} chunks served`)
  })
})
