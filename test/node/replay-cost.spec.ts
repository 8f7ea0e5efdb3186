/**
 * A replayed PQXDH initial message costs the receiver nothing but a hash and a read. A stranger
 * re-wraps a real first message (its sealed payload, with the PQXDH initial message) in new
 * envelopes and sends them to a real node over /ferry/dm (memory transport); the node's crypto
 * backend counts the public-key operations it runs for them. Before the replay check came first,
 * each replay cost a signature check, three X25519 and an ML-KEM decapsulation (~3 ms).
 */
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { memory } from '@libp2p/memory'
import { peerIdFromString } from '@libp2p/peer-id'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { nodeCrypto } from '../../node/crypto.js'
import { createIdentity, decodeEnvelope, DM_PROTOCOL, Envelope, generatePrekeys, MemoryPrekeyStore, parseInvite, sealEnvelope, Sessions } from '../../protocol/index.js'
import { DmReply, Rejection } from '../../protocol/services/dm/pb/dm.js'
import { frameStream, RAW } from '../../protocol/services/streams/frames.js'
import { memoryFerries } from '../memory-ferries.js'
import type { CryptoBackend, Ferry } from '../../protocol/index.js'
import type { Libp2p } from '@libp2p/interface'
import { defaultCrypto } from '../../protocol/crypto/backend.js'

const COUNTED = ['verify', 'x25519', 'kemDecapsulate'] as const

/** nodeCrypto, counting the calls of the costly operations. */
function countingCrypto (): { crypto: CryptoBackend, calls: Record<typeof COUNTED[number], number> } {
  const base = nodeCrypto()
  const calls = { verify: 0, x25519: 0, kemDecapsulate: 0 }
  const crypto = { ...base }
  for (const name of COUNTED) {
    const original = (base[name] as (...args: any[]) => Promise<any>).bind(base)
    ;(crypto as any)[name] = async (...args: any[]) => { calls[name]++; return original(...args) }
  }
  return { crypto, calls }
}

describe('replayed PQXDH initial messages', function () {
  this.timeout(60_000)
  const nodes = memoryFerries('replay')
  const peers: Libp2p[] = []
  let bob: Ferry
  let counter: ReturnType<typeof countingCrypto>

  after(async () => {
    await Promise.all(peers.map(async p => p.stop()))
    await nodes.stop()
  })

  async function rawPeer (): Promise<Libp2p> {
    const identity = await createIdentity()
    const p = await createLibp2p({ privateKey: identity.deviceKey, transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    await p.start()
    peers.push(p)
    return p
  }

  /** Send encoded envelopes on one /ferry/dm stream and read a reply for each. */
  async function send (from: Libp2p, envelopes: Uint8Array[]): Promise<DmReply[]> {
    const stream = await from.dialProtocol(bob.libp2p.getMultiaddrs()[0], DM_PROTOCOL)
    const frames = frameStream(stream, { maxDataLength: 16 * 1024 })
    await frames.writeV(envelopes, RAW)
    const replies: DmReply[] = []
    for (let i = 0; i < envelopes.length; i++) replies.push(await frames.read(DmReply))
    await stream.close()
    return replies
  }

  it('a stranger re-sending a first message\'s initial message costs no public-key work', async () => {
    counter = countingCrypto()
    bob = await nodes.node('bob', { crypto: counter.crypto })
    const bobBundle = (await parseInvite(await bob.roster.invite(), Date.now(), defaultCrypto)).bundle
    const bobId = bob.libp2p.peerId.toString()

    // alice: a real first message to bob (its own identity, prekeys and session)
    const alice = await createIdentity()
    const alicePeer = await createLibp2p({ privateKey: alice.deviceKey, transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    await alicePeer.start()
    peers.push(alicePeer)
    const prekeys = new MemoryPrekeyStore()
    await generatePrekeys(nodeCrypto(), alice, prekeys, { oneTime: 0 })
    const sessions = new Sessions({ crypto: nodeCrypto(), me: alice, prekeys, load: async () => undefined })
    const now = Date.now()
    const fields = { id: crypto.getRandomValues(new Uint8Array(16)), recipient: new Uint8Array(0), recipientDevice: peerIdFromString(bobId).toMultihash().bytes, created: now, expiresAt: now + 3_600_000 }
    const content = { sender: alice.identityKey.publicKey.raw, senderDevice: alicePeer.peerId.toMultihash().bytes, deviceSignature: alice.deviceSignature, text: 'hello bob', sentAt: now }
    const { envelope } = await sessions.serialize(bobId, async () => sealEnvelope(sessions, bobId, fields, content, bobBundle))
    const [first] = await send(alicePeer, [envelope])
    assert.ok(first.receipt != null, `the first message is accepted (${first.rejection?.reason ?? ''})`)
    assert.equal(counter.calls.kemDecapsulate, 1, 'answering the first message decapsulated once')

    // mallory re-wraps alice's payload (initial message and all) in new envelopes
    const mallory = await rawPeer()
    const original = decodeEnvelope(envelope)
    const replays = Array.from({ length: 20 }, () => Envelope.encode({ ...original, id: crypto.getRandomValues(new Uint8Array(16)) }))
    for (const name of COUNTED) counter.calls[name] = 0
    const replies = await send(mallory, replays)
    for (const r of replies) assert.ok(r.receipt == null && r.rejection?.code === Rejection.Code.MALFORMED && /decrypt/.test(r.rejection.reason), `a replay is refused as undecryptable: ${JSON.stringify(r.rejection)}`)
    assert.deepEqual({ ...counter.calls }, { verify: 0, x25519: 0, kemDecapsulate: 0 }, `20 replays cost no public-key work (${JSON.stringify(replies[0].rejection)})`)
    // alice is not bob's contact: her message waits as a request, once; nothing from the replays
    const requests = await bob.roster.requests()
    assert.deepEqual(requests.map(r => [r.peer, r.messages, r.text]), [[alicePeer.peerId.toString(), 1, 'hello bob']])
  })
})
