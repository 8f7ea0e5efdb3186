import { concat } from 'uint8arrays/concat'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { verifyDevice } from '../../crypto/identity.js'
import { GroupError } from '../../groups/errors.js'
import { TokenBuckets } from '../streams/budget.js'
import { frameStream, RAW } from '../streams/frames.js'
import { EXCHANGES_PER_MINUTE, EXCHANGES_PER_PEER_PER_MINUTE, GROUP_ID_BYTES, GROUP_PROTOCOL, HELLO_BYTES, MAX_ANSWER_FRAMES, MAX_CAPABILITIES, MAX_FRAME_BYTES, MAX_ITEMS, MAX_STREAMS, TIMEOUT_MS } from './constants.js'
import { GroupPacketRejectedError, GroupProtocolError } from './errors.js'
import { packets } from './packets.js'
import { GroupPacket, GroupReply } from './pb/group.js'
import type { GroupAsker, GroupExchange, GroupServiceComponents, GroupServiceInit } from './index.js'
import type { AbortOptions, Connection, Logger, Startable, Stream } from '@libp2p/interface'

const LIMITS = { ops: MAX_ITEMS, messages: MAX_ITEMS, receipts: MAX_ITEMS, capabilities: MAX_CAPABILITIES }
const packetCodec = { decode: (b: Uint8Array) => GroupPacket.decode(b, { limits: LIMITS }) }
const replyCodec = { decode: (b: Uint8Array) => GroupReply.decode(b, { limits: { packet: LIMITS } }), encode: GroupReply.encode }

type Answer = Awaited<ReturnType<GroupExchange['exchange']>>

export class GroupService implements GroupExchange, Startable {
  private readonly log: Logger
  private readonly perPeer: TokenBuckets
  private readonly all: TokenBuckets
  private readonly hello: Uint8Array

  constructor (private readonly components: GroupServiceComponents, private readonly init: GroupServiceInit) {
    this.log = components.logger.forComponent('ferry:group')
    const now = init.now ?? Date.now
    this.perPeer = new TokenBuckets(EXCHANGES_PER_PEER_PER_MINUTE / 60, EXCHANGES_PER_PEER_PER_MINUTE, now)
    this.all = new TokenBuckets(EXCHANGES_PER_MINUTE / 60, EXCHANGES_PER_MINUTE, now)
    this.hello = concat([init.me.identityKey.publicKey.raw, init.me.deviceSignature], HELLO_BYTES)
    if (!peerIdFromPrivateKey(init.me.deviceKey).equals(components.peerId)) throw new TypeError('"me" must be this node\'s identity: its device key is another peer id')
  }

  readonly [Symbol.toStringTag] = 'ferry:group'

  async start (): Promise<void> {
    // runOnLimitedConnection: a member reachable only through a relay still gets the room's traffic
    await this.components.registrar.handle(GROUP_PROTOCOL, async (stream, connection) => this.answer(stream, connection), { runOnLimitedConnection: true, maxInboundStreams: MAX_STREAMS, maxOutboundStreams: MAX_STREAMS })
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(GROUP_PROTOCOL)
  }

  async exchange (connection: Connection, room: Uint8Array, packet: Partial<GroupPacket>, options: AbortOptions = {}): Promise<Answer> {
    if (room.byteLength !== GROUP_ID_BYTES) throw new TypeError(`a room id is ${GROUP_ID_BYTES} bytes`)
    const frame = concat([room, GroupPacket.encode(packet)])
    if (frame.byteLength > MAX_FRAME_BYTES) throw new RangeError(`a packet is at most ${MAX_FRAME_BYTES} bytes: split it (packets())`)
    const signal = options.signal ?? AbortSignal.timeout(TIMEOUT_MS)
    const stream = await connection.newStream(GROUP_PROTOCOL, { signal, runOnLimitedConnection: true })
    try {
      const frames = frameStream(stream, { maxDataLength: MAX_FRAME_BYTES })
      await frames.writeV([this.hello, frame], RAW, { signal })
      const out: Answer = { ops: [], messages: [], receipts: [] }
      for (let i = 0; ; i++) {
        if (i === MAX_ANSWER_FRAMES) throw new GroupProtocolError(`an answer is at most ${MAX_ANSWER_FRAMES} frames`)
        const reply = await frames.read(replyCodec, { signal })
        if (reply.code !== GroupReply.Code.OK) throw new GroupPacketRejectedError(reply.code, reply.reason)
        out.ops.push(...reply.packet?.ops ?? [])
        out.messages.push(...reply.packet?.messages ?? [])
        out.receipts.push(...reply.packet?.receipts ?? [])
        if (!reply.more) break
      }
      await stream.close({ signal }).catch(() => {})
      return out
    } catch (err: any) {
      stream.abort(err)
      throw err
    }
  }

  /** One exchange, answerer's side: budget, hello, admission, and only then the packet's body. */
  private async answer (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(TIMEOUT_MS)
    const frames = frameStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    const peer = connection.remotePeer
    try {
      let replies: GroupReply[]
      if (!this.perPeer.has(peer.toString()) || !this.all.take('all')) {
        replies = [refusal(GroupReply.Code.RATE_LIMITED, 'too many group exchanges: try later')]
      } else {
        this.perPeer.take(peer.toString())
        const asker = await this.asker(await frames.read(RAW, { signal }), connection)
        replies = await this.replies(await frames.read(RAW, { signal }), asker)
      }
      await frames.writeV(replies, replyCodec, { signal })
      await stream.close({ signal })
    } catch (err: any) {
      this.log('group exchange with %p ended: %s', peer, err.message)
      stream.abort(err)
    }
  }

  /** The hello's identity, when its certificate binds it to the peer Noise authenticated. */
  private async asker (hello: Uint8Array, connection: Connection): Promise<GroupAsker> {
    if (hello.byteLength !== HELLO_BYTES) throw new GroupProtocolError(`a hello is ${HELLO_BYTES} bytes`)
    const identity = hello.slice(0, 32)
    if (!await verifyDevice(identity, connection.remotePeer.toMultihash().bytes, hello.subarray(32))) throw new GroupProtocolError('the hello\'s certificate does not bind that identity to this peer')
    return { identity, peer: connection.remotePeer }
  }

  private async replies (frame: Uint8Array, asker: GroupAsker): Promise<GroupReply[]> {
    if (frame.byteLength < GROUP_ID_BYTES) return [refusal(GroupReply.Code.MALFORMED, 'a packet starts with its room id')]
    const room = frame.slice(0, GROUP_ID_BYTES)
    // before a byte of the body is decoded: only a member of the room (as we hold it) may speak for it
    if (!await this.init.receiver.admit(room, asker)) return [refusal(GroupReply.Code.NOT_A_MEMBER, 'not a member of that room')]
    let packet: GroupPacket
    try {
      packet = packetCodec.decode(frame.subarray(GROUP_ID_BYTES))
    } catch (err: any) {
      return [refusal(GroupReply.Code.MALFORMED, `unreadable packet: ${err.message as string}`)]
    }
    let answer: Partial<Answer> | undefined
    try {
      answer = await this.init.receiver.receive(room, packet, asker)
    } catch (err: any) {
      if (err instanceof GroupError) return [refusal(err.name === 'UnknownRoomError' ? GroupReply.Code.UNKNOWN_ROOM : GroupReply.Code.MALFORMED, err.message)]
      this.log.error('could not take in a group packet from %p - %e', asker.peer, err)
      return [refusal(GroupReply.Code.FAILED, 'could not take the packet in')]
    }
    const parts = packets(answer?.ops ?? [], answer?.messages ?? [], undefined, answer?.receipts ?? []).slice(0, MAX_ANSWER_FRAMES)
    return parts.map((packet, i) => ({ code: GroupReply.Code.OK, reason: '', packet, more: i + 1 < parts.length }))
  }
}

function refusal (code: GroupReply.Code, reason: string): GroupReply {
  return { code, reason, more: false }
}
