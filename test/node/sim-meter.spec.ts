/**
 * `ferry sim` measurements: bytes on the wire per delivered message (the
 * in-process WireMeter and netns link counters), DHT peer lookups' success and hops, CPU per node,
 * and their place in the summaries.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { memory } from '@libp2p/memory'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { nodeCrypto } from '../../node/crypto.js'
import { Ledger } from '../../node/sim/ledger.js'
import { linkBytes, ProcessCpu, WireMeter } from '../../node/sim/meter.js'
import { NetnsNetwork, netnsUnavailable } from '../../node/sim/netns.js'
import { costFigures, results, summaryTable } from '../../node/sim/results.js'
import { renderReport } from '../../node/sim/report.js'
import { createFerry, createIdentity, DhtLookupTally, DM_PROTOCOL, findPeerAddresses, memoryStores, PAYLOAD_BUCKETS, sumDhtLookups, UnreachableError } from '../../protocol/index.js'
import { dhtNetwork, quietLogger } from '../dht-network.js'
import { until } from './sqlite-peer.js'
import type { DhtNetwork } from '../dht-network.js'
import type { Ferry } from '../../protocol/index.js'
import type { KadDHT, QueryEvent } from '@libp2p/kad-dht'
import type { PeerId } from '@libp2p/interface'

const crypto = nodeCrypto()
const randomPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('sim meter: bytes on the wire (in-process)', function () {
  this.timeout(120_000)
  const meter = new WireMeter()
  const run = `meter-${Math.random().toString(36).slice(2, 8)}`
  let a: Ferry
  let b: Ferry

  const node = async (name: string): Promise<Ferry> => {
    const options = { name, stores: memoryStores(), transports: [memory()], listen: [`/memory/${run}-${name}`], crypto, logger: quietLogger }
    const ferry = await createFerry({ ...options, identity: await createIdentity(), dht: false, connectionMonitor: { enabled: false }, metrics: meter.metrics(name) })
    await ferry.start()
    return ferry
  }

  /** Bytes `from` sent while `text` went to `to` and came back acknowledged. */
  async function cost (from: Ferry, to: string, text: string): Promise<number> {
    const before = meter.sent(from === a ? 'a' : 'b')
    const m = await from.conversations.send(to, text)
    await until('delivered', async () => (await from.conversations.history({ contact: to })).some(x => x.id === m.id && x.status === 'delivered'))
    return meter.sent(from === a ? 'a' : 'b') - before
  }

  before(async () => {
    [a, b] = await Promise.all([node('a'), node('b')])
    await a.roster.add('b', await b.roster.invite())
    await b.roster.add('a', await a.roster.invite())
    await cost(a, 'b', 'hello: the session starts here') // the first message also carries the session set-up
  })
  after(async () => { await Promise.all([a?.stop(), b?.stop()]) })

  it('counts every connection of both nodes, by node, and nothing it cannot see', () => {
    assert.ok(meter.connections >= 2, `both ends of the a-b connection (${meter.connections})`)
    assert.equal(meter.untracked, 0)
    assert.equal(meter.relayed, 0)
    assert.ok(meter.sent('a') > 0 && meter.sent('b') > 0, 'both sent: handshakes, the message, its receipt')
    assert.equal(meter.bytes, meter.sent('a') + meter.sent('b'))
    assert.equal(meter.sent('nobody'), 0)
    // /ferry/dm/1.1.0 where both speak it (receipts signed a window at a time), 1.0.0 otherwise
    const dm = [...meter.byProtocol].filter(([p]) => p === DM_PROTOCOL || p.startsWith('/ferry/dm/')).reduce((n, [, b]) => n + b, 0)
    assert.ok(dm > 0, `dm payload counted per protocol: ${[...meter.byProtocol.keys()].join(', ')}`)
  })

  it('a message costs at least its ciphertext, and a bigger one costs more by about the difference', async () => {
    const small = await cost(a, 'b', 'x'.repeat(100))
    const big = await cost(a, 'b', 'y'.repeat(30_000))
    assert.ok(small >= PAYLOAD_BUCKETS[0], `a padded payload is at least ${PAYLOAD_BUCKETS[0]} bytes of ciphertext: counted ${small}`)
    assert.ok(big >= 30_000, `30,000 bytes of text cannot travel in ${big} bytes`)
    assert.ok(big - small >= 25_000, `the bigger message cost ${big - small} bytes more`)
    // the receiver sent the delivery receipts: far less than a message
    assert.ok(meter.sent('b') < meter.sent('a'))
  })

  it('reset() counts from now on the connections already open', async () => {
    meter.reset()
    assert.deepEqual([meter.bytes, meter.sent('a'), meter.byProtocol.size], [0, 0, 0])
    const spent = await cost(a, 'b', 'z'.repeat(2_000))
    assert.ok(spent >= 2_000 && meter.sent('a') === spent, `${spent}`)
    assert.equal(meter.bytes, meter.sent('a') + meter.sent('b'))
  })
})

/** A stub DHT whose getClosestPeers plays back `events`. */
function scripted (events: QueryEvent[]): KadDHT {
  return { async * getClosestPeers () { yield * events } } as unknown as KadDHT
}

describe('sim meter: DHT lookup counts (scripted events)', () => {
  const addr = multiaddr('/memory/somewhere')
  const info = (id: PeerId, addrs = [addr]): any => ({ id, multiaddrs: addrs })
  const response = (from: PeerId, closer: any[]): any => ({ name: 'PEER_RESPONSE', from, closer, providers: [] })
  const query = (to: PeerId): any => ({ name: 'SEND_QUERY', to })

  it('hops are the depth of the first peer that named the target with an address', async () => {
    const [p1, p2, x, target] = await Promise.all([randomPeer(), randomPeer(), randomPeer(), randomPeer()])
    // p1 (depth 1) names x, x (depth 2) names the target; p2 (depth 1) names it without an address
    const r = await findPeerAddresses(scripted([query(p1), query(p2), response(p2, [info(target, [])]), response(p1, [info(x)]), query(x), response(x, [info(target)]),
      { name: 'FINAL_PEER', from: p1, peer: info(target) } as any]), target)
    assert.deepEqual([r.addresses.map(String), r.hops, r.queried], [['/memory/somewhere'], 2, 3])
    // a routing-table neighbour naming it: 1
    assert.equal((await findPeerAddresses(scripted([response(p1, [info(target)])]), target)).hops, 1)
    // only the final list (it was in this node's own routing table): 0
    assert.equal((await findPeerAddresses(scripted([response(p1, [info(x)]), { name: 'FINAL_PEER', from: p1, peer: info(target) } as any]), target)).hops, 0)
    // nobody knows it
    assert.deepEqual(await findPeerAddresses(scripted([query(p1), response(p1, [info(x)])]), target), { addresses: [], hops: undefined, queried: 1 })
  })

  it('a tally counts successes, failures and throws, and sums across nodes', async () => {
    const [p1, target] = await Promise.all([randomPeer(), randomPeer()])
    const one = new DhtLookupTally()
    const two = new DhtLookupTally()
    await one.track(findPeerAddresses(scripted([query(p1), response(p1, [info(target)])]), target))
    await one.track(findPeerAddresses(scripted([query(p1), query(p1), response(p1, [])]), target))
    await assert.rejects(two.track(Promise.reject(new Error('aborted'))), /aborted/)
    assert.deepEqual(one.summary(), { lookups: 2, succeeded: 1, meanHops: 1, meanQueried: 1.5 })
    assert.deepEqual(two.summary(), { lookups: 1, succeeded: 0 })
    assert.deepEqual(sumDhtLookups([one, two]), { lookups: 3, succeeded: 1, meanHops: 1, meanQueried: 1.5 })
    assert.deepEqual(sumDhtLookups([]), { lookups: 0, succeeded: 0 })
  })

  it('reset() starts the counts again, leaving out a lookup that was running', async () => {
    const [p1, target] = await Promise.all([randomPeer(), randomPeer()])
    const tally = new DhtLookupTally()
    let settle: (r: Awaited<ReturnType<typeof findPeerAddresses>>) => void = () => {}
    const running = tally.track(new Promise(resolve => { settle = resolve }))
    tally.reset()
    settle(await findPeerAddresses(scripted([query(p1), response(p1, [info(target)])]), target))
    await running
    assert.deepEqual(tally.summary(), { lookups: 0, succeeded: 0 })
    await tally.track(findPeerAddresses(scripted([query(p1), response(p1, [info(target)])]), target))
    assert.deepEqual(tally.summary(), { lookups: 1, succeeded: 1, meanHops: 1, meanQueried: 1 })
  })
})

describe('sim meter: DHT lookups in a 12-node network', function () {
  this.timeout(180_000)
  let net: DhtNetwork
  let asker: Ferry
  const tally = new DhtLookupTally()

  before(async () => {
    net = await dhtNetwork(12, 5, crypto)
    const options = { stores: memoryStores(), transports: [memory()], listen: [`/memory/${net.run}-asker`], crypto, logger: quietLogger }
    // a DHT client: the others never query it, so nothing dials it back once the test closes a connection
    asker = await createFerry({ ...options, dht: 'client', identity: await createIdentity(), publishOnStart: false, connectionMonitor: { enabled: false }, dhtLookups: tally })
    await asker.start()
    await asker.libp2p.dial(multiaddr(`/memory/${net.run}-0/p2p/${net.nodes[0].peerId}`))
    await until('the asker has DHT peers', async () => ((await asker.status()).dht?.routingTable ?? 0) >= 3)
  })
  after(async () => { await asker?.stop(); await net?.stop() })

  it('finds a node it is not connected to and knows of only through others: hops >= 1', async () => {
    // a node the asker has no connection to; the asker's own DHT upkeep may have met them all, so close one if need be
    const others = net.nodes.slice(1)
    const target = others.find(n => asker.libp2p.getConnections(n.libp2p.peerId).length === 0) ?? others[others.length - 1]
    await asker.libp2p.hangUp(target.libp2p.peerId)
    assert.equal(asker.libp2p.getConnections(target.libp2p.peerId).length, 0)
    // forget it, so its address can only come from other peers' answers
    await (asker.libp2p.services.dht as any).routingTable.remove(target.libp2p.peerId)
    await asker.libp2p.peerStore.delete(target.libp2p.peerId)
    const r = await tally.track(findPeerAddresses(asker.libp2p.services.dht as KadDHT, target.libp2p.peerId, { signal: AbortSignal.timeout(20_000) }))
    const index = net.nodes.indexOf(target)
    assert.ok(r.addresses.some(a => a.toString().startsWith(`/memory/${net.run}-${index}`)), `its address: ${r.addresses.join(' ')}`)
    assert.ok(r.hops != null && r.hops >= 1, `hops ${r.hops}`)
    assert.ok(r.queried >= 1)
    assert.deepEqual([tally.lookups, tally.succeeded], [1, 1])
  })

  it('a peer that is not in the network is a failed lookup, counted by Ferry\'s own fallback too', async () => {
    const absent = await randomPeer()
    const r = await tally.track(findPeerAddresses(asker.libp2p.services.dht as KadDHT, absent, { signal: AbortSignal.timeout(20_000) }))
    assert.deepEqual(r.addresses, [])
    assert.deepEqual([tally.lookups, tally.succeeded], [2, 1])
    // through Reach: a contact at a dead address falls back to the DHT, which knows nothing
    assert.equal(asker.dhtLookups, tally)
    await asker.roster.add('ghost', `/memory/${net.run}-nowhere/p2p/${absent.toString()}`)
    await assert.rejects(asker.presence.lookup('ghost'), (err: any) => err instanceof UnreachableError && /DHT knows no other address/.test(err.message))
    assert.ok(tally.lookups >= 3, `the fallback was counted (${tally.lookups})`)
    assert.equal(tally.succeeded, 1)
    const s = tally.summary()
    assert.ok(s.meanHops != null && s.meanHops >= 1)
  })
})

describe('sim meter: CPU time', () => {
  it('is the clock\'s delta since the start, averaged over the nodes', () => {
    let now = { user: 5_000, system: 1_000 }
    const clock = (since?: NodeJS.CpuUsage): NodeJS.CpuUsage => since == null ? now : { user: now.user - since.user, system: now.system - since.system }
    const cpu = new ProcessCpu(clock)
    now = { user: 45_000, system: 21_000 }
    assert.equal(cpu.ms(), 60)
    assert.equal(cpu.perNodeMs(4), 15)
    assert.throws(() => cpu.perNodeMs(0), RangeError)
    cpu.reset()
    assert.equal(cpu.ms(), 0)
  })

  it('sees real work in this process', () => {
    const cpu = new ProcessCpu()
    // spin until 50 ms of this thread's CPU time have passed (wall time varies with the machine's load)
    const thread = process.threadCpuUsage?.() ?? process.cpuUsage()
    const spent = (): number => { const d = process.threadCpuUsage?.(thread) ?? process.cpuUsage(thread); return (d.user + d.system) / 1000 }
    const end = Date.now() + 10_000
    let x = 0
    while (spent() < 50 && Date.now() < end) x += Math.sqrt(x + 1)
    assert.ok(spent() >= 50, 'the spin got its CPU time within 10 s')
    assert.ok(cpu.ms() >= 50, `${cpu.ms()} ms of process CPU for ${spent()} ms of this thread's spinning (${x > 0})`)
  })
})

describe('sim meter: netns link counters', function () {
  this.timeout(60_000)

  it('parses iproute2\'s JSON counters', () => {
    const json = JSON.stringify([
      { ifname: 'lo', stats64: { rx: { bytes: 10, packets: 1 }, tx: { bytes: 10, packets: 1 } } },
      { ifname: 'fsabp0', stats: { rx: { bytes: 21398 }, tx: { bytes: 5064 } } }
    ])
    assert.deepEqual([...linkBytes(json)], [['lo', { rx: 10, tx: 10 }], ['fsabp0', { rx: 21398, tx: 5064 }]])
    assert.throws(() => linkBytes('[{"ifname":"eth0"}]'), /no byte counters for link "eth0"/)
    assert.throws(() => linkBytes('{}'), /JSON array/)
  })

  it('counts what each node sent on its link (needs root and iproute2)', async function () {
    if (netnsUnavailable() != null) this.skip()
    const net = await NetnsNetwork.create(['a', 'b'])
    try {
      const before = await net.bytesSent()
      const send = `const s=require('dgram').createSocket('udp4');let i=0;const f=()=>s.send(Buffer.alloc(1000),9,'${net.address('b')}',()=>{if(++i<20)f();else s.close()});f()`
      execFileSync(net.wrap('a')[0], [...net.wrap('a').slice(1), process.execPath, '-e', send], { stdio: 'ignore' })
      const after = await net.bytesSent()
      const sent = (after.get('a') ?? 0) - (before.get('a') ?? 0)
      // 20 datagrams of 1,000 bytes: + UDP 8, IP 20, Ethernet 14 each (and perhaps an ARP request)
      assert.ok(sent >= 20 * 1042 && sent < 20 * 1042 + 2000, `a sent ${sent} bytes`)
      const answered = (after.get('b') ?? 0) - (before.get('b') ?? 0)
      assert.ok(answered < sent / 2, `b sent only ARP and ICMP port-unreachable answers: ${answered} bytes`)
      // the sum of both, read a moment later (IPv6 neighbour discovery may have added a packet or two)
      const total = await net.bytesOnWire()
      const summed = (after.get('a') ?? 0) + (after.get('b') ?? 0)
      assert.ok(total >= summed && total < summed + 2000, `${total} on the wire, ${summed} a moment before`)
    } finally {
      net.destroy()
    }
  })
})

describe('sim meter: in the summaries', () => {
  const ledger = (): Ledger => {
    const l = new Ledger([{ key: 'm0', at: 0, from: 'a', to: 'b', size: 100, ttlMs: 60_000, disappearing: false }])
    l.observe({ kind: 'sent', key: 'm0', at: 0, id: 'id0', expiresAt: 60_000 })
    l.observe({ kind: 'received', key: 'm0', at: 40, node: 'b' })
    return l
  }
  const init = { endedAt: 1000, scenario: 's', seed: 1, config: {}, versions: { ferry: '0', node: 'v24', libp2p: '3' }, wallMs: 1000 }

  it('bytes per delivered message, DHT success and hops, CPU and memory per node', () => {
    const r = results(ledger(), { ...init, metrics: { bytesOnWire: 9_000, dht: { lookups: 4, succeeded: 3, meanHops: 1.5 }, cpuMsPerNode: 120.4, memoryPerNodeBytes: 3 * 2 ** 20 } })
    assert.equal(r.bytesPerDelivered, 9_000)
    assert.deepEqual(costFigures(r), [
      { label: 'bytes per delivered message', value: '9000' }, { label: 'DHT lookups found', value: '3/4 (75 %)' },
      { label: 'DHT mean hops', value: '1.50' }, { label: 'CPU ms per node', value: '120' }, { label: 'memory MiB per node', value: '3.0' }])
    const table = summaryTable(r).trimEnd().split('\n\n')
    assert.equal(table.length, 3, 'counts, latency, cost')
    assert.deepEqual(table[2].split('\n').map(l => l.trim().split(/\s{2,}/)), [costFigures(r).map(c => c.label), ['9000', '3/4 (75 %)', '1.50', '120', '3.0']])
    const html = renderReport(r, ledger().entries({ endedAt: 1000 }))
    assert.match(html, /<tr><td>DHT lookups found<\/td><td>3\/4 \(75 %\)<\/td><\/tr>/)
  })

  it('netns per-node usage is averaged; nothing measured shows nothing', () => {
    const r = results(ledger(), { ...init, metrics: { nodes: [{ name: 'a', cpuMs: 100, rssBytes: 2 ** 20 }, { name: 'b', cpuMs: 300 }] } })
    assert.deepEqual(costFigures(r), [{ label: 'CPU ms per node', value: '200' }, { label: 'memory MiB per node', value: '1.0' }])
    const bare = results(ledger(), init)
    assert.deepEqual(costFigures(bare), [])
    assert.equal(summaryTable(bare).trimEnd().split('\n\n').length, 2)
  })
})
