/**
 * Reach's dialling policy: an open connection is used at once, WebRTC is tried in the background,
 * failed addresses are remembered per peer with backoff in bounded memory, and the source order
 * (LAN, contact, peer store, DHT) holds. The libp2p node is a stub here (ReachNode: connections
 * and a dialler the test answers by hand, a clock the test moves): the policy is about which
 * addresses are dialled when and what waits for what, which real transports cannot be told to
 * do on cue (a WebRTC-direct dial that fails only when the test says so). The same policy runs
 * against real Chromium and a real daemon in test/browser/webrtc-blocked.spec.ts.
 */
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CONTACT_TAG, DialFailures, Reach, REACH_BACKOFF_MAX_MS, REACH_BACKOFF_MS, REACH_FAILED_ADDRS, REACH_FAILED_PEERS } from '../../protocol/reach/reach.js'
import type { AbortOptions, Connection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

interface Dial { addr: string, force: boolean, signal?: AbortSignal, succeed(): void, fail(): void }

/** A libp2p node as Reach sees it: open connections, a peer store, and dials that wait for the test's answer. */
class StubNode {
  readonly open: Connection[] = []
  readonly dials: Dial[] = []
  readonly stored = new Map<string, Multiaddr[]>()
  readonly tags = new Set<string>()
  /** addresses whose dial the stub answers at once */
  readonly answers = new Map<string, 'ok' | 'fail'>()

  getConnections (peer?: PeerId): Connection[] {
    return this.open.filter(c => peer == null || c.remotePeer.equals(peer))
  }

  async dial (target: Multiaddr | PeerId, options: AbortOptions & { force?: boolean } = {}): Promise<Connection> {
    const addr = target as Multiaddr
    return new Promise((resolve, reject) => {
      const d: Dial = {
        addr: addr.toString(),
        force: options.force === true,
        signal: options.signal,
        succeed: () => {
          const c = connection(addr)
          this.open.push(c)
          resolve(c)
        },
        fail: () => { reject(new Error('dial timed out')) }
      }
      this.dials.push(d)
      options.signal?.addEventListener('abort', () => { reject(new Error('aborted')) })
      const answer = this.answers.get(d.addr)
      if (answer === 'ok') d.succeed()
      if (answer === 'fail') d.fail()
    })
  }

  readonly peerStore = {
    get: async (peer: PeerId) => {
      const addrs = this.stored.get(peer.toString())
      if (addrs == null) throw new Error('not found')
      return { addresses: addrs.map(a => ({ multiaddr: a, isCertified: false })) }
    },
    merge: async (peer: PeerId, data: any) => {
      if (data.tags?.[CONTACT_TAG] != null) this.tags.add(peer.toString())
    }
  } as any
}

function connection (addr: Multiaddr, limited = false): Connection {
  const peer = addr.getComponents().at(-1)?.value as string
  return { remoteAddr: addr, remotePeer: { equals: (p: PeerId) => p.toString() === peer, toString: () => peer }, status: 'open', limits: limited ? { bytes: 1n << 17n } : undefined } as any
}

/** Let pending promise callbacks and the macrotask cancelUpgrade waits for run. */
const settle = async (): Promise<void> => { for (let i = 0; i < 3; i++) await new Promise(resolve => setTimeout(resolve, 0)) }

/** The first to settle of `p` and a few turns of the event loop: undefined when `p` is still waiting. */
async function soon<T> (p: Promise<T>): Promise<T | undefined> {
  return Promise.race([p, settle().then(() => undefined)])
}

describe('Reach: dialling policy', () => {
  let peer: string
  let node: StubNode
  let now: number
  let reach: Reach
  let ws: string, rtc: string, tcp: string, relayed: string

  beforeEach(async () => {
    peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    ws = `/ip4/10.0.0.1/tcp/4001/ws/p2p/${peer}`
    rtc = `/ip4/10.0.0.1/udp/4002/webrtc-direct/p2p/${peer}`
    tcp = `/ip4/10.0.0.1/tcp/4000/p2p/${peer}`
    relayed = `/ip4/10.0.0.9/tcp/4000/p2p/${peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()}/p2p-circuit/p2p/${peer}`
    node = new StubNode()
    now = 1_000_000
    reach = new Reach(node, {}, { failures: new DialFailures(() => now) })
  })

  it('uses an open WebSocket connection at once and dials WebRTC-direct in the background', async () => {
    node.open.push(connection(multiaddr(ws)))
    const r = await soon(reach.resolve(peer, [rtc, ws]))
    assert.ok(r != null, 'resolve() did not wait for the WebRTC-direct dial')
    assert.equal(r.connection.remoteAddr.toString(), ws)
    assert.equal(r.source, 'connection')
    assert.deepEqual(r.addresses, [rtc, ws])
    assert.deepEqual(node.dials.map(d => [d.addr, d.force]), [[rtc, true]], 'one background dial, forced past the open connection')
    assert.ok(node.tags.has(peer), 'the peer is tagged as a contact')

    // a second send while the upgrade runs: again at once, and no second background dial
    assert.equal((await soon(reach.connect(peer, [rtc, ws])))?.remoteAddr.toString(), ws)
    assert.equal(node.dials.length, 1)

    // the upgrade works: the next send goes over WebRTC-direct
    node.dials[0].succeed()
    await reach.idle()
    const next = await reach.resolve(peer, [rtc, ws])
    assert.equal(next.connection.remoteAddr.toString(), rtc)
    assert.equal(node.dials.length, 1)
  })

  it('remembers a failed WebRTC-direct address and backs off: 30 s, then 60 s, up to 10 min, and a success forgets it', async () => {
    node.open.push(connection(multiaddr(ws)))
    node.answers.set(rtc, 'fail')
    const sends = async (): Promise<number> => {
      const before = node.dials.length
      for (let i = 0; i < 5; i++) assert.equal((await soon(reach.connect(peer, [rtc, ws])))?.remoteAddr.toString(), ws)
      await reach.idle()
      return node.dials.length - before
    }
    assert.equal(await sends(), 1, 'five sends: one background attempt, which fails')
    assert.equal(reach.failures.state(peer, rtc), 'waiting')
    now += REACH_BACKOFF_MS - 1
    assert.equal(await sends(), 0, 'still backing off')
    now += 1
    assert.equal(reach.failures.state(peer, rtc), 'due')
    assert.equal(await sends(), 1, 'retried once the backoff is over')
    now += 2 * REACH_BACKOFF_MS - 1
    assert.equal(await sends(), 0, 'the second backoff is twice as long')
    now += 1
    assert.equal(await sends(), 1)
    for (let i = 0; i < 10; i++) {
      now += REACH_BACKOFF_MAX_MS
      await sends()
    }
    now += REACH_BACKOFF_MAX_MS - 1
    assert.equal(await sends(), 0)
    now += 1
    assert.equal(await sends(), 1, 'the backoff stops growing at REACH_BACKOFF_MAX_MS')

    node.answers.set(rtc, 'ok')
    now += REACH_BACKOFF_MAX_MS
    assert.equal((await reach.connect(peer, [rtc, ws])).remoteAddr.toString(), ws)
    await reach.idle()
    assert.equal((await reach.connect(peer, [rtc, ws])).remoteAddr.toString(), rtc, 'the next send goes over WebRTC-direct')
    assert.equal(reach.failures.state(peer, rtc), 'untried', 'a success forgets the failure')
    assert.equal(reach.failures.size, 0)
  })

  it('with nothing open dials WebRTC first, and after it failed dials the other addresses first', async () => {
    node.answers.set(rtc, 'fail')
    node.answers.set(ws, 'ok')
    const first = await reach.resolve(peer, [ws, rtc])
    assert.equal(first.connection.remoteAddr.toString(), ws)
    assert.equal(first.source, 'contact')
    assert.deepEqual(node.dials.map(d => d.addr), [rtc, ws], 'WebRTC preferred while it has not failed')

    for (const wait of [0, REACH_BACKOFF_MS]) {
      node.open.length = 0 // the connection dropped
      node.dials.length = 0
      now += wait
      const again = await reach.resolve(peer, [ws, rtc])
      await reach.idle()
      assert.equal(again.connection.remoteAddr.toString(), ws)
      // backing off: not dialled at all; backoff over: dialled, but in the background after the send has its connection
      assert.deepEqual(node.dials.map(d => [d.addr, d.force]), wait === 0 ? [[ws, false]] : [[ws, false], [rtc, true]])
    }
  })

  it('with only a relayed connection open dials an untried WebRTC address first, and one that failed only in the background', async () => {
    const rtcRelayed = `${relayed.replace(`/p2p/${peer}`, '')}/webrtc/p2p/${peer}`
    node.open.push(connection(multiaddr(relayed), true))
    node.answers.set(rtcRelayed, 'fail')
    const first = await reach.resolve(peer, [rtcRelayed, relayed, tcp])
    assert.equal(first.connection.remoteAddr.toString(), relayed, 'the relayed connection, not a TCP dial')
    assert.deepEqual(node.dials.map(d => [d.addr, d.force]), [[rtcRelayed, true]])
    node.answers.delete(rtcRelayed)
    now += REACH_BACKOFF_MS
    const second = await soon(reach.resolve(peer, [rtcRelayed, relayed, tcp]))
    assert.equal(second?.connection.remoteAddr.toString(), relayed, 'no wait for the retry of a failed address')
    assert.deepEqual(node.dials.map(d => d.addr), [rtcRelayed, rtcRelayed])
    node.dials[1].succeed()
    await reach.idle()
    assert.equal((await reach.resolve(peer, [rtcRelayed, relayed, tcp])).connection.remoteAddr.toString(), rtcRelayed)
  })

  it('a dial with nothing open first ends the background upgrade, which is not counted as a failure', async () => {
    node.open.push(connection(multiaddr(ws)))
    await reach.connect(peer, [rtc, ws])
    const upgrade = node.dials[0]
    node.open.length = 0 // the WebSocket connection dropped while WebRTC was being tried
    node.answers.set(ws, 'ok')
    const r = reach.resolve(peer, [ws, rtc])
    await settle()
    assert.equal(upgrade.signal?.aborted, true, 'the background dial was aborted before dialling again')
    assert.equal(reach.failures.state(peer, rtc), 'untried', 'an abort is not a failure of the address')
    // the address still untried is dialled in the foreground, first
    assert.deepEqual(node.dials.slice(1).map(d => d.addr), [rtc])
    node.dials[1].fail()
    assert.equal((await r).connection.remoteAddr.toString(), ws)
  })

  it('a caller that gives up does not mark the address failed', async () => {
    const controller = new AbortController()
    const r = reach.resolve(peer, [rtc], { signal: controller.signal })
    await settle()
    controller.abort()
    await assert.rejects(r, /could not connect/)
    assert.equal(reach.failures.state(peer, rtc), 'untried')
  })

  it('tries sources in order: LAN, contact record, peer store, then the DHT', async () => {
    const lan = `/ip4/10.0.0.2/tcp/4000/p2p/${peer}`
    const found = `/ip4/10.0.0.3/tcp/4000/p2p/${peer}`
    node.stored.set(peer, [multiaddr(tcp)])
    for (const a of [lan, ws, tcp]) node.answers.set(a, 'fail')
    node.answers.set(found, 'ok')
    reach = new Reach(node, {
      lan: () => [multiaddr(lan)],
      findPeer: async () => [multiaddr(found)]
    }, { failures: new DialFailures(() => now) })
    const r = await reach.resolve(peer, [ws])
    assert.deepEqual(node.dials.map(d => d.addr), [lan, ws, tcp, found])
    assert.equal(r.source, 'dht')
    assert.deepEqual(r.addresses, [lan, ws, tcp, found])
  })

  it('says which addresses failed when nothing works', async () => {
    node.answers.set(rtc, 'fail')
    node.answers.set(ws, 'fail')
    await assert.rejects(reach.resolve(peer, [ws, rtc]), (err: any) => err.name === 'UnreachableError' && err.message.includes(rtc) && err.message.includes(ws))
    await assert.rejects(reach.resolve(peer, []), /no known address/)
  })
})

describe('DialFailures: bounded memory', () => {
  it('keeps at most `peers` peers and `addrs` addresses each, forgetting the least recent', () => {
    const f = new DialFailures(() => 0, { peers: 3, addrs: 2, backoffMs: 1_000, backoffMaxMs: 8_000 })
    for (const p of ['p1', 'p2', 'p3']) f.failed(p, 'a')
    f.failed('p1', 'a') // p1 failed again: now the most recent
    f.failed('p4', 'a')
    assert.equal(f.size, 3)
    assert.equal(f.state('p2', 'a'), 'untried', 'p2 failed least recently: forgotten')
    assert.equal(f.state('p1', 'a'), 'waiting')
    for (const a of ['a', 'b', 'c']) f.failed('p4', a)
    assert.deepEqual(['a', 'b', 'c'].map(a => f.state('p4', a)), ['untried', 'waiting', 'waiting'])
  })

  it('holds 100,000 failures in at most REACH_FAILED_PEERS peers of REACH_FAILED_ADDRS addresses', () => {
    const f = new DialFailures(() => 0)
    const addr = (i: number): string => `/ip4/10.0.0.1/tcp/${i}`
    // 1,000 peers fit; each keeps its last REACH_FAILED_ADDRS failures of 100
    for (let i = 0; i < 100_000; i++) f.failed(`peer-${i % 1_000}`, addr(i))
    assert.equal(f.size, 1_000)
    const kept = Array.from({ length: 100 }, (_, k) => k * 1_000 + 7).filter(i => f.state('peer-7', addr(i)) !== 'untried')
    assert.deepEqual(kept, Array.from({ length: REACH_FAILED_ADDRS }, (_, k) => (100 - REACH_FAILED_ADDRS + k) * 1_000 + 7))
    // 10,000 more peers: only the REACH_FAILED_PEERS most recent are remembered
    for (let i = 0; i < 10_000; i++) f.failed(`other-${i}`, addr(i))
    assert.equal(f.size, REACH_FAILED_PEERS)
    assert.equal(f.state('other-9999', addr(9999)), 'waiting')
    assert.equal(f.state(`other-${9_999 - REACH_FAILED_PEERS}`, addr(9_999 - REACH_FAILED_PEERS)), 'untried')
  })
})
