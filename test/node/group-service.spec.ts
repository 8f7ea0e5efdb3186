/**
 * /ferry/group/1.0.0 between real libp2p nodes (TCP on 127.0.0.1, Noise, yamux): what a member
 * hands over arrives with the identity its certificate proves, a long answer comes back in
 * bounded frames, and a stranger, a forged hello, an oversized frame, garbage and a flood are each
 * turned away before they cost the receiver anything (the receiver is a recording stand-in for the
 * node's rooms, which are tested on their own in test/protocol/groups-*.spec.ts).
 */
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { encode as encodeVarint } from 'uint8-varint'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { toHex } from '../../protocol/util/bytes.js'
import { EXCHANGES_PER_PEER_PER_MINUTE, GROUP_PROTOCOL, GroupPacketRejectedError, GroupReply, groupService, MAX_FRAME_BYTES, packets } from '../../protocol/services/group/index.js'
import { frameStream, RAW } from '../../protocol/services/streams/frames.js'
import type { GroupAsker, GroupExchange, GroupPacket, GroupReceiver } from '../../protocol/services/group/index.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { Libp2p } from '@libp2p/interface'

type Node = Libp2p<{ group: GroupExchange }>

interface Recorder extends GroupReceiver {
  admitted: Array<{ room: string, identity: string }>
  received: Array<{ room: string, identity: string, packet: GroupPacket }>
}

/** Admits the identities in `members` to `room`; answers with `answer`. */
function recorder (room: Uint8Array, members: () => Identity[], answer: { ops: Uint8Array[], messages: Uint8Array[] } = { ops: [], messages: [] }): Recorder {
  const r: Recorder = {
    admitted: [],
    received: [],
    admit (group: Uint8Array, from: GroupAsker) {
      r.admitted.push({ room: toHex(group), identity: toHex(from.identity) })
      return toHex(group) === toHex(room) && members().some(m => toHex(m.identityKey.publicKey.raw) === toHex(from.identity))
    },
    async receive (group: Uint8Array, packet: GroupPacket, from: GroupAsker) {
      r.received.push({ room: toHex(group), identity: toHex(from.identity), packet })
      return answer
    }
  }
  return r
}

describe('/ferry/group/1.0.0', function () {
  this.timeout(60_000)
  const nodes: Node[] = []
  const room = new Uint8Array(32).fill(7)
  let clock = Date.now()

  async function node (me: Identity, receiver: GroupReceiver): Promise<Node> {
    const n = await createLibp2p({
      privateKey: me.deviceKey,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { group: groupService({ me, receiver, now: () => clock }) }
    })
    await n.start()
    nodes.push(n)
    return n
  }

  after(async () => { await Promise.all(nodes.map(async n => n.stop())) })

  const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill)

  it('a member\'s ops and messages arrive with its proven identity; an answer past one frame comes back whole', async () => {
    const [alice, bob] = [await createIdentity(), await createIdentity()]
    // bob answers with 150 KiB of ops and messages: three packets, each frame under the bound
    const answer = { ops: Array.from({ length: 50 }, (_, i) => bytes(2000, i)), messages: Array.from({ length: 25 }, (_, i) => bytes(2000, 100 + i)) }
    const bobs = recorder(room, () => [alice, bob], answer)
    const b = await node(bob, bobs)
    const a = await node(alice, recorder(room, () => [alice, bob]))
    const connection = await a.dial(b.getMultiaddrs()[0])
    const got = await a.services.group.exchange(connection, room, { ops: [bytes(100, 1)], messages: [bytes(50, 2)], summary: bytes(40, 3) })
    assert.equal(bobs.received.length, 1)
    assert.equal(bobs.received[0].identity, toHex(alice.identityKey.publicKey.raw), 'the packet comes from alice\'s identity, as her certificate proves')
    assert.deepEqual(bobs.received[0].packet.ops, [bytes(100, 1)])
    assert.deepEqual(bobs.received[0].packet.messages, [bytes(50, 2)])
    assert.deepEqual(bobs.received[0].packet.summary, bytes(40, 3))
    assert.deepEqual(got, { ...answer, receipts: [] }, 'every op and message of the answer, in order')
    assert.equal(packets(answer.ops, answer.messages).length, 3, 'the answer took three frames')
  })

  it('a stranger\'s packet is refused before its body is decoded, and a member\'s garbage is refused as malformed', async () => {
    const [alice, bob, mallory] = [await createIdentity(), await createIdentity(), await createIdentity()]
    const bobs = recorder(room, () => [alice, bob])
    const b = await node(bob, bobs)
    const m = await node(mallory, recorder(room, () => []))
    const a = await node(alice, recorder(room, () => []))
    // garbage where the body should be: from mallory it is never read, from alice it is malformed
    const raw = async (from: Node, hello: Identity): Promise<GroupReply> => {
      const stream = await from.dialProtocol(b.getMultiaddrs()[0], GROUP_PROTOCOL)
      const frames = frameStream(stream, { maxDataLength: MAX_FRAME_BYTES })
      await frames.writeV([new Uint8Array([...hello.identityKey.publicKey.raw, ...hello.deviceSignature]), new Uint8Array([...room, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])], RAW)
      const reply = await frames.read(GroupReply)
      await stream.close()
      return reply
    }
    assert.equal((await raw(m, mallory)).code, GroupReply.Code.NOT_A_MEMBER)
    assert.equal((await raw(a, alice)).code, GroupReply.Code.MALFORMED)
    assert.equal(bobs.received.length, 0, 'nothing reached the rooms')
    await assert.rejects(m.services.group.exchange(await m.dial(b.getMultiaddrs()[0]), room, { ops: [bytes(10, 1)] }), (err: any) => err instanceof GroupPacketRejectedError && err.code === GroupReply.Code.NOT_A_MEMBER)
    const other = new Uint8Array(32).fill(9)
    await assert.rejects(a.services.group.exchange(await a.dial(b.getMultiaddrs()[0]), other, { ops: [bytes(10, 1)] }), (err: any) => err.code === GroupReply.Code.NOT_A_MEMBER, 'alice is no member of a room bob does not hold')
    await a.services.group.exchange(await a.dial(b.getMultiaddrs()[0]), room, { ops: [bytes(10, 1)] })
    assert.equal(bobs.received.length, 1, 'honest traffic goes on')
  })

  it('a hello showing another device\'s certificate, or none, ends the stream before admission', async () => {
    const [alice, bob, mallory] = [await createIdentity(), await createIdentity(), await createIdentity()]
    const bobs = recorder(room, () => [alice, bob])
    const b = await node(bob, bobs)
    const m = await node(mallory, recorder(room, () => []))
    // mallory replays alice's hello (identity and certificate are public): it binds alice to alice's device, not mallory's
    for (const hello of [new Uint8Array([...alice.identityKey.publicKey.raw, ...alice.deviceSignature]), new Uint8Array(10), alice.identityKey.publicKey.raw]) {
      const stream = await m.dialProtocol(b.getMultiaddrs()[0], GROUP_PROTOCOL)
      const frames = frameStream(stream, { maxDataLength: MAX_FRAME_BYTES })
      await frames.writeV([hello, new Uint8Array([...room])], RAW)
      await assert.rejects(frames.read(GroupReply, { signal: AbortSignal.timeout(5_000) }), 'no reply: the stream was reset')
    }
    assert.deepEqual(bobs.admitted, [], 'never asked whether the room admits anyone')
  })

  it('a frame longer than the bound is refused from its length prefix, without buffering it', async () => {
    const [alice, bob] = [await createIdentity(), await createIdentity()]
    const bobs = recorder(room, () => [alice, bob])
    const b = await node(bob, bobs)
    const a = await node(alice, recorder(room, () => []))
    const stream = await a.dialProtocol(b.getMultiaddrs()[0], GROUP_PROTOCOL)
    // a length prefix of 16 MiB and 1 KiB of it: the stream is reset at once
    stream.send(new Uint8Array([...encodeVarint(16 * 1024 * 1024), ...new Uint8Array(1024)]))
    const frames = frameStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    await assert.rejects(frames.read(GroupReply, { signal: AbortSignal.timeout(5_000) }))
    assert.deepEqual(bobs.admitted, [])
    await assert.rejects(a.services.group.exchange(await a.dial(b.getMultiaddrs()[0]), room, { ops: [bytes(MAX_FRAME_BYTES, 1)] }), RangeError, 'the sender refuses to send it too')
  })

  it(`a peer past ${EXCHANGES_PER_PEER_PER_MINUTE} exchanges a minute is told to wait, and served again a minute later`, async () => {
    const [alice, bob] = [await createIdentity(), await createIdentity()]
    const bobs = recorder(room, () => [alice, bob])
    const b = await node(bob, bobs)
    const a = await node(alice, recorder(room, () => []))
    const connection = await a.dial(b.getMultiaddrs()[0])
    const codes: Array<number | 'ok'> = []
    for (let i = 0; i < EXCHANGES_PER_PEER_PER_MINUTE + 3; i++) {
      codes.push(await a.services.group.exchange(connection, room, { ops: [bytes(8, i % 256)] }).then(() => 'ok' as const, (err: any) => err.code))
    }
    assert.equal(codes.filter(c => c === 'ok').length, EXCHANGES_PER_PEER_PER_MINUTE)
    assert.deepEqual(codes.slice(-3), [GroupReply.Code.RATE_LIMITED, GroupReply.Code.RATE_LIMITED, GroupReply.Code.RATE_LIMITED])
    assert.equal(bobs.received.length, EXCHANGES_PER_PEER_PER_MINUTE, 'a refused exchange reaches nothing')
    clock += 60_000
    await a.services.group.exchange(connection, room, { ops: [bytes(8, 1)] })
    assert.equal(bobs.received.length, EXCHANGES_PER_PEER_PER_MINUTE + 1)
  })
})
