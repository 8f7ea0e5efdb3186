/**
 * Pulling one-time prekeys from /ferry/bundle: strangers (many peer ids) ask a real node (memory
 * transport, its real bundle service and prekey store) for bundles over and over. Before the
 * budgets every answer handed out a one-time prekey that was never deleted, and a new batch was
 * made whenever they ran out. Now strangers together get at most ONE_TIME_FOR_STRANGERS_PER_HOUR,
 * every answer is still a valid bundle, a contact still gets one, a peer that keeps asking is
 * refused, and unused handed-out prekeys are deleted after their grace period.
 */
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { memory } from '@libp2p/memory'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { nodeCrypto } from '../../node/crypto.js'
import { createIdentity, decodeBundle, memoryStores, verifyBundle } from '../../protocol/index.js'
import { ANSWERS_PER_PEER_PER_MINUTE, BUNDLE_PROTOCOL, ONE_TIME_FOR_STRANGERS_PER_HOUR, ONE_TIME_PER_CONTACT_PER_HOUR, ONE_TIME_PER_STRANGER_PER_HOUR } from '../../protocol/services/bundle/index.js'
import { frameStream, RAW } from '../../protocol/services/streams/frames.js'
import { MAX_ONE_TIME_PREKEYS, ONE_TIME_PREKEY_GRACE_MS, upkeepPrekeys } from '../../protocol/crypto/prekey-upkeep.js'
import { memoryFerries } from '../memory-ferries.js'
import type { Ferry, FerryStores, Identity } from '../../protocol/index.js'
import type { Libp2p } from '@libp2p/interface'

describe('one-time prekeys from /ferry/bundle', function () {
  this.timeout(120_000)
  const nodes = memoryFerries('bundles')
  const peers: Libp2p[] = []
  let victim: Ferry
  let stores: FerryStores
  let identity: Identity
  const start = Date.now()
  let clock = start

  before(async () => {
    stores = memoryStores()
    identity = await createIdentity()
    victim = await nodes.node('victim', { stores, identity, now: () => clock })
  })

  after(async () => {
    await Promise.all(peers.map(async p => p.stop()))
    await nodes.stop()
  })

  async function peer (listen = false): Promise<Libp2p> {
    const p = await createLibp2p({ privateKey: (await createIdentity()).deviceKey, addresses: { listen: listen ? [`/memory/bundles-peer-${peers.length}-${Math.random()}`] : [] }, transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    await p.start()
    peers.push(p)
    return p
  }

  /** One bundle request from `from`: the verified bundle, or the error that ended it. */
  async function fetch (from: Libp2p): Promise<ReturnType<typeof decodeBundle> | Error> {
    try {
      const stream = await from.dialProtocol(victim.libp2p.getMultiaddrs()[0], BUNDLE_PROTOCOL)
      const bytes = await frameStream(stream, { maxDataLength: 8192 }).read(RAW, { signal: AbortSignal.timeout(5_000) })
      await stream.close()
      const bundle = decodeBundle(bytes)
      await verifyBundle(nodeCrypto(), bundle)
      return bundle
    } catch (err: any) {
      return err
    }
  }

  it('strangers together get a bounded number of one-time prekeys; every answer is still a usable bundle', async () => {
    const strangers = await Promise.all(Array.from({ length: 30 }, async () => peer()))
    const perStranger: number[] = []
    for (const s of strangers) {
      let withOneTime = 0
      for (let i = 0; i < 5; i++) {
        const b = await fetch(s)
        assert.ok(!(b instanceof Error), `a stranger within its answer budget gets a bundle: ${String(b)}`)
        assert.deepEqual(b.identity, identity.identityKey.publicKey.raw)
        if (b.oneTimePrekey != null) withOneTime++
      }
      perStranger.push(withOneTime)
    }
    const total = perStranger.reduce((a, b) => a + b, 0)
    console.log(`      150 requests from 30 strangers: ${total} bundles with a one-time prekey`)
    assert.ok(perStranger.every(n => n <= ONE_TIME_PER_STRANGER_PER_HOUR), `per stranger: ${perStranger.join(' ')}`)
    assert.equal(total, ONE_TIME_FOR_STRANGERS_PER_HOUR)
    const counts = await stores.prekeys.countOneTimePrekeys()
    assert.equal(counts.issued, ONE_TIME_FOR_STRANGERS_PER_HOUR, 'handed out only what the budget allowed')
    assert.ok(counts.issued + counts.unissued <= MAX_ONE_TIME_PREKEYS)
  })

  it('a contact still gets one-time prekeys after the strangers\' flood, up to its own budget', async () => {
    const friend = await peer(true)
    await victim.roster.add('friend', friend.getMultiaddrs()[0].toString())
    let withOneTime = 0
    for (let i = 0; i < ONE_TIME_PER_CONTACT_PER_HOUR + 2; i++) {
      if (i === ANSWERS_PER_PEER_PER_MINUTE) clock += 60_000 // stay within the answer budget
      const b = await fetch(friend)
      assert.ok(!(b instanceof Error), String(b))
      if (b.oneTimePrekey != null) withOneTime++
    }
    assert.equal(withOneTime, ONE_TIME_PER_CONTACT_PER_HOUR)
  })

  it('a peer asking past its answer budget is refused (the stream is reset)', async () => {
    const greedy = await peer()
    const results = []
    for (let i = 0; i < ANSWERS_PER_PEER_PER_MINUTE + 5; i++) results.push(await fetch(greedy))
    const refused = results.filter(r => r instanceof Error)
    assert.equal(refused.length, 5, `answers: ${results.map(r => r instanceof Error ? r.name : 'bundle').join(' ')}`)
    clock += 60_000
    assert.ok(!((await fetch(greedy)) instanceof Error), 'answered again once its budget refilled')
  })

  it('handed-out one-time prekeys never used are deleted after their grace period', async () => {
    const before = await stores.prekeys.countOneTimePrekeys()
    assert.ok(before.issued > 0)
    await upkeepPrekeys(nodeCrypto(), identity, stores.prekeys, start + ONE_TIME_PREKEY_GRACE_MS)
    assert.deepEqual(await stores.prekeys.countOneTimePrekeys(), before, 'kept within the grace period (the first were handed out at the start)')
    await upkeepPrekeys(nodeCrypto(), identity, stores.prekeys, clock + ONE_TIME_PREKEY_GRACE_MS + 1)
    assert.deepEqual(await stores.prekeys.countOneTimePrekeys(), { unissued: before.unissued, issued: 0 })
  })
})
