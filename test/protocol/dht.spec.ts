/**
 * The private DHT with the production createFerry (issue 4, first part): nodes on the in-process
 * memory transport (a stand-in for the network, as the issue asks), a random sparse topology,
 * records published and found by others; forged records refused by every node. Seeded; the seed
 * is printed. The 100-node acceptance run and the bench rows come with the rest of issue 4.
 */
import assert from 'node:assert/strict'
import { memory } from '@libp2p/memory'
import { multiaddr } from '@multiformats/multiaddr'
import { createFerry, createIdentity, equalBytes, memoryStores, recordKey, signRecord, SignedRecord } from '../../protocol/index.js'
import { encodeBundle } from '../../protocol/crypto/bundle.js'
import { bundleFor } from './helpers.js'
import { dhtNetwork } from '../dht-network.js'
import type { DhtNetwork } from '../dht-network.js'
import type { Ferry } from '../../protocol/index.js'

const N = Number(process.env.FERRY_DHT_NODES ?? 24)
const SEED = Number(process.env.FERRY_DHT_SEED ?? Date.now() % 1_000_000)

describe(`private DHT, ${N} in-process nodes (seed ${SEED})`, function () {
  this.timeout(240_000)
  let nodes: Ferry[] = []
  let random: () => number
  let run: string
  let net: DhtNetwork

  before(async () => {
    console.log(`      dht seed ${SEED} (FERRY_DHT_SEED=${SEED} replays it)`)
    net = await dhtNetwork(N, SEED)
    ;({ nodes, random, run } = net)
    assert.ok(net.published.every(p => p === 2), `every node published both records: ${net.published.join(',')}`)
  })

  after(async () => {
    await net?.stop()
  })

  it('every node finds the bundle and device records of others it has never been connected to', async () => {
    let found = 0
    let tried = 0
    for (const [i, node] of nodes.entries()) {
      for (let k = 0; k < 4; k++) {
        const j = (i + 1 + Math.floor(random() * (N - 1))) % N
        tried++
        try {
          const r = await node.findRecord(k % 2 === 0 ? 'bundle' : 'devices', nodes[j].identity.identityKey.publicKey.raw)
          assert.ok(equalBytes(r.identity, nodes[j].identity.identityKey.publicKey.raw), 'the record of the identity asked for')
          found++
        } catch (err: any) {
          if (tried - found <= 3) console.log(`      lookup ${i} -> ${j} failed: ${err.name}: ${err.message}`)
        }
      }
    }
    console.log(`      found ${found}/${tried} records`)
    assert.ok(found / tried >= 0.99, `success rate ${found}/${tried}`)
  })

  it('an unreachable contact address falls back to the DHT: lookup says source "dht"', async () => {
    // a node that joins late, knowing one peer, and a contact whose only known address is stale
    const late = await createFerry({ identity: await createIdentity(), stores: memoryStores(), transports: [memory()], listen: [`/memory/${run}-late`] })
    await late.start()
    try {
      await late.libp2p.dial(multiaddr(`/memory/${run}-0/p2p/${nodes[0].peerId}`))
      await new Promise(resolve => setTimeout(resolve, 500))
      await late.libp2p.services.dht?.refreshRoutingTable()
      const target = nodes[N - 2]
      await late.addContact('stale', `/memory/${run}-gone/p2p/${target.peerId}`)
      const r = await late.lookup('stale')
      assert.equal(r.source, 'dht')
      assert.ok(r.remoteAddr.includes(`/memory/${run}-${N - 2}`), r.remoteAddr)
    } finally {
      await late.stop()
    }
  })

  it('a forged record is refused by every node, and lookups still return the genuine one', async () => {
    const victim = nodes[0]
    const key = recordKey('bundle', victim.identity.identityKey.publicKey.raw)
    const genuine = SignedRecord.decode(await signRecord(victim.identity.identityKey, 'bundle', encodeBundle(await bundleFor(victim.identity)), { seq: 1, now: Date.now() }))
    const forged = SignedRecord.encode({ ...genuine, seq: Number.MAX_SAFE_INTEGER }) // signature no longer matches
    const attacker = nodes[N - 1].libp2p.services.dht
    assert.ok(attacker != null)
    let accepted = 0
    for await (const ev of attacker.put(key, forged)) if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'PUT_VALUE') accepted++
    const r = await nodes[Math.floor(N / 2)].findRecord('bundle', victim.identity.identityKey.publicKey.raw)
    assert.notEqual(r.seq, Number.MAX_SAFE_INTEGER, 'the forged record was not stored anywhere it was found')
    assert.equal(accepted, 0, 'no node stored the forged record')
  })
})
