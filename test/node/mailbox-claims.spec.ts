/**
 * Prekey claims at a mailbox host, Sybilled: peer ids are free, so 60 made-up claimants each
 * claim an owner's one-time prekeys from a real host (memory transport, its real mailbox service
 * and store). Before, each claimant had 10 claims an hour and emptied the owner's prekeys there;
 * now the owner's prekeys are claimed at most CLAIMS_PER_OWNER_PER_HOUR times an hour whoever
 * asks, and a claim for an owner the host does not serve is refused as such.
 */
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { memory } from '@libp2p/memory'
import { peerIdFromString } from '@libp2p/peer-id'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { createIdentity, memoryStores } from '../../protocol/index.js'
import { MAILBOX_PROTOCOL, OneTimePrekey, Refusal, Request, Response } from '../../protocol/mailbox/index.js'
import { CLAIMS_PER_OWNER_PER_HOUR } from '../../protocol/mailbox/constants.js'
import { frameStream } from '../../protocol/services/streams/frames.js'
import { memoryFerries } from '../memory-ferries.js'
import type { Ferry, FerryStores } from '../../protocol/index.js'
import type { Libp2p } from '@libp2p/interface'

describe('prekey claims at a mailbox host', function () {
  this.timeout(120_000)
  const nodes = memoryFerries('claims')
  const peers: Libp2p[] = []
  let host: Ferry
  let stores: FerryStores
  let clock = Date.now()
  let owner: string

  before(async () => {
    stores = memoryStores({ mailbox: true })
    host = await nodes.node('host', { stores, now: () => clock })
    const ownerIdentity = await createIdentity()
    owner = (await createLibp2p({ privateKey: ownerIdentity.deviceKey })).peerId.toString()
    // the agreement and 100 waiting prekeys, as `ferry mailbox host` and an owner's upload leave them
    await stores.mailbox?.host({ peer: owner, identity: ownerIdentity.identityKey.publicKey.raw, name: 'owner', quotaBytes: 1e6, quotaMessages: 100, maxTtlMs: 86_400_000, addedAt: clock })
    await stores.mailbox?.addPrekeys(owner, Array.from({ length: 100 }, (_, i) => OneTimePrekey.encode({ id: i + 1, publicKey: new Uint8Array(32).fill(i) })))
  })

  after(async () => {
    await Promise.all(peers.map(async p => p.stop()))
    await nodes.stop()
  })

  async function claimant (): Promise<Libp2p> {
    const p = await createLibp2p({ privateKey: (await createIdentity()).deviceKey, transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    await p.start()
    peers.push(p)
    return p
  }

  async function claim (from: Libp2p, of: string, times = 1): Promise<Response[]> {
    const stream = await from.dialProtocol(host.libp2p.getMultiaddrs()[0], MAILBOX_PROTOCOL)
    const frames = frameStream(stream, { maxDataLength: 1024 * 1024 })
    const requests = Array.from({ length: times }, () => ({ status: false, deposits: [], claim: { owner: peerIdFromString(of).toMultihash().bytes } }))
    await frames.writeV(requests, Request)
    const answers: Response[] = []
    for (let i = 0; i < times; i++) answers.push(await frames.read(Response))
    await stream.close()
    return answers
  }

  it('60 made-up claimants get at most the owner\'s hourly budget of its prekeys', async () => {
    const sybils = await Promise.all(Array.from({ length: 60 }, async () => claimant()))
    const answers = (await Promise.all(sybils.map(async s => claim(s, owner, 3)))).flat()
    const got = answers.filter(a => a.prekey.byteLength > 0).length
    console.log(`      ${answers.length} claims from 60 peer ids: ${got} prekeys handed out`)
    assert.equal(got, CLAIMS_PER_OWNER_PER_HOUR)
    assert.ok(answers.filter(a => a.prekey.byteLength === 0).every(a => a.refusal?.code === Refusal.Code.RATE), 'the rest are told to slow down')
    assert.equal(await stores.mailbox?.countPrekeys(owner), 100 - CLAIMS_PER_OWNER_PER_HOUR, 'the owner\'s other prekeys stay here')

    clock += 3_600_000
    const [later] = await claim(await claimant(), owner)
    assert.ok(later.prekey.byteLength > 0, 'an hour later a new contact gets one again')
  })

  it('a claim for an owner this host does not serve is refused as such', async () => {
    const stranger = (await createLibp2p({ privateKey: (await createIdentity()).deviceKey })).peerId.toString()
    const [answer] = await claim(await claimant(), stranger)
    assert.equal(answer.refusal?.code, Refusal.Code.UNAUTHORIZED, JSON.stringify(answer.refusal))
    assert.match(answer.refusal?.reason ?? '', /keeps no one-time prekeys for that owner/)
  })
})
