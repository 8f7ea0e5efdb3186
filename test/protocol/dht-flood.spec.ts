/**
 * Filling a node's DHT datastore: peers (real libp2p nodes running kad-dht on the memory
 * transport) store valid records self-signed under throwaway identities, and provider records,
 * on a node running Ferry's private DHT. Before the limits every record stayed until someone asked
 * for it two days later, and providers for any CID were kept; now each peer may store
 * DHT_MAX_RECORDS_PER_PEER keys, all peers together the node's total (lowered to 40 here), no
 * provider record is kept, and records are deleted at their expiry.
 */
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { memory } from '@libp2p/memory'
import { ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import { MemoryDatastore } from 'datastore-core'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { nodeCrypto } from '../../node/crypto.js'
import { DHT_PROTOCOL, privateDht } from '../../protocol/directory/dht.js'
import { DHT_MAX_RECORDS_PER_PEER } from '../../protocol/directory/dht-limits.js'
import { createIdentity } from '../../protocol/index.js'
import { dhtRecordRules, MailboxSet, recordKey, signRecord } from '../../protocol/directory/records.js'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Libp2p } from '@libp2p/interface'

const TOTAL = 40

async function all<T> (source: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

describe('DHT datastore flood', function () {
  this.timeout(120_000)
  const datastore = new MemoryDatastore()
  let clock = Date.now()
  let victim: Libp2p<{ dht: KadDHT }>
  const attackers: Array<Libp2p<{ dht: KadDHT }>> = []

  before(async () => {
    victim = await createLibp2p({
      addresses: { listen: [`/memory/dht-flood-${Math.random()}`] },
      transports: [memory()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      datastore,
      services: { identify: identify(), ping: ping(), dht: privateDht('server', () => clock, nodeCrypto(), { maxRecords: TOTAL, sweepMs: 100 }) }
    })
    await victim.start()
    const { validators, selectors } = dhtRecordRules(() => clock, nodeCrypto())
    for (let i = 0; i < 3; i++) {
      const a = await createLibp2p({
        addresses: { listen: [`/memory/dht-flood-attacker-${i}-${Math.random()}`] }, // a provider record needs addresses
        transports: [memory()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        services: { identify: identify(), ping: ping(), dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: true, validators, selectors, peerInfoMapper: passthroughMapper }) }
      })
      await a.start()
      await a.dial(victim.getMultiaddrs()[0])
      attackers.push(a)
    }
    for (const a of attackers) {
      const deadline = Date.now() + 10_000
      while ((a.services.dht as any).routingTable.size === 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    }
  })

  after(async () => {
    await Promise.all(attackers.map(async a => a.stop()))
    await victim?.stop()
  })

  async function count (prefix: string): Promise<number> {
    return (await all(datastore.queryKeys({ prefix }))).length
  }

  /** Store one valid record under a fresh identity through `from`'s DHT; whether it was refused. */
  async function put (from: Libp2p<{ dht: KadDHT }>, ttlMs: number): Promise<void> {
    const id = await createIdentity()
    const value = await signRecord(id, 'mailboxes', MailboxSet.encode({ hosts: [] }), { seq: clock, now: clock, ttlMs }, nodeCrypto())
    try {
      await all(from.services.dht.put(recordKey('mailboxes', id.identityKey.publicKey.raw), value, { signal: AbortSignal.timeout(5_000) }))
    } catch {} // a refused put ends with an error: what counts is what the victim kept
  }

  it('each peer stores at most its share of records, all peers together at most the total', async () => {
    const after: number[] = []
    for (const a of attackers) {
      for (let i = 0; i < 30; i++) await put(a, 60_000)
      after.push(await count('/dht/record'))
    }
    console.log(`      30 records offered by each of 3 peers: ${after.join(', ')} stored after each`)
    assert.deepEqual(after, [DHT_MAX_RECORDS_PER_PEER, 2 * DHT_MAX_RECORDS_PER_PEER, TOTAL])
  })

  it('keeps no provider record', async () => {
    for (const a of attackers) {
      for (let i = 0; i < 5; i++) {
        const cid = CID.createV1(0x55, await sha256.digest(crypto.getRandomValues(new Uint8Array(16))))
        await all(a.services.dht.provide(cid, { signal: AbortSignal.timeout(5_000) })).catch(() => [])
      }
    }
    assert.equal(await count('/dht/provider'), 0)
  })

  it('deletes records once they expire', async () => {
    assert.ok(await count('/dht/record') > 0)
    clock += 61_000
    const deadline = Date.now() + 5_000
    while (await count('/dht/record') > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    assert.equal(await count('/dht/record'), 0)
  })
})
