/**
 * Filling a relay's slots from one machine: many peer ids on 127.0.0.1 ask a real Ferry relay
 * (TCP, its circuit relay v2 server with RELAY_LIMITS) for reservations and relayed connections,
 * speaking the hop protocol by hand. Before the per-address caps every one of the 32 slots went to
 * them; now one address holds at most RELAY_RESERVATIONS_PER_ADDRESS reservations (renewals still
 * pass) and at most RELAYED_CONNECTIONS_PER_ADDRESS relayed connections at once.
 */
import assert from 'node:assert/strict'
import { circuitRelayTransport, RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { noise } from '@chainsafe/libp2p-noise'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { createIdentity } from '../../protocol/index.js'
import { frameStream, RAW } from '../../protocol/services/streams/frames.js'
import { RELAY_RESERVATIONS_PER_ADDRESS, RELAYED_CONNECTIONS_PER_ADDRESS } from '../../protocol/reach/relay-limits.js'
import { memoryFerries } from '../memory-ferries.js'
import type { Ferry } from '../../protocol/index.js'
import type { Libp2p, Stream } from '@libp2p/interface'

const OK = 100
const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

/** The `status` (field 5) of an encoded HopMessage, or undefined. */
function hopStatus (bytes: Uint8Array): number | undefined {
  let i = 0
  const varint = (): number => {
    let n = 0
    for (let shift = 0; ; shift += 7) {
      const b = bytes[i++]
      n += (b & 0x7f) * 2 ** shift
      if (b < 0x80) return n
    }
  }
  while (i < bytes.byteLength) {
    const key = varint()
    if ((key & 7) === 0) {
      const v = varint()
      if (key >> 3 === 5) return v
    } else if ((key & 7) === 2) {
      const length = varint() // read before i is: `i += varint()` would add to the old i
      i += length
    } else return undefined
  }
  return undefined
}

/** HopMessage { type: CONNECT, peer: { id } } */
function connectTo (id: Uint8Array): Uint8Array {
  return Uint8Array.of(0x08, 0x01, 0x12, id.byteLength + 2, 0x0a, id.byteLength, ...id)
}

describe('relay slots per address', function () {
  this.timeout(120_000)
  const nodes = memoryFerries('relay-caps')
  const peers: Libp2p[] = []
  let relay: Ferry

  before(async () => {
    relay = await nodes.node('relay', { transports: [tcp()], listen: LOOPBACK, relayServer: true })
  })

  after(async () => {
    await Promise.all(peers.map(async p => p.stop()))
    await nodes.stop()
  })

  async function peer (relayed = false): Promise<Libp2p> {
    const p = await createLibp2p({ privateKey: (await createIdentity()).deviceKey, transports: [tcp(), ...(relayed ? [circuitRelayTransport()] : [])], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
    await p.start()
    peers.push(p)
    return p
  }

  /** Send one hop request; the status of the answer, and the stream (left open). */
  async function hop (from: Libp2p, request: Uint8Array): Promise<{ status?: number, stream: Stream }> {
    const stream = await from.dialProtocol(relay.libp2p.getMultiaddrs()[0], RELAY_V2_HOP_CODEC, { runOnLimitedConnection: true })
    const frames = frameStream(stream, { maxDataLength: 4096 })
    await frames.write(request, RAW)
    return { status: hopStatus(await frames.read(RAW, { signal: AbortSignal.timeout(10_000) })), stream }
  }

  it('peers from one address get at most their share of the reservations; a renewal still passes', async () => {
    const reserve = Uint8Array.of(0x08, 0x00)
    const sybils = await Promise.all(Array.from({ length: 20 }, async () => peer()))
    const statuses: Array<number | undefined> = []
    for (const s of sybils) {
      const { status, stream } = await hop(s, reserve)
      statuses.push(status)
      await stream.close() // as a relay client does once answered
      await new Promise(resolve => setTimeout(resolve, 250)) // libp2p takes at most 5 new connections per second from one address
    }
    const granted = statuses.filter(s => s === OK).length
    console.log(`      20 peer ids on 127.0.0.1 asked for a reservation: ${granted} granted`)
    assert.equal(granted, RELAY_RESERVATIONS_PER_ADDRESS, statuses.join(' '))
    assert.equal(relay.libp2p.services.relay?.reservations.size, RELAY_RESERVATIONS_PER_ADDRESS)
    const first = sybils[statuses.indexOf(OK)]
    const renewal = await hop(first, reserve)
    assert.equal(renewal.status, OK, 'a peer renewing its own reservation is not refused')
    await renewal.stream.close()
  })

  it('peers from one address get at most their share of relayed connections', async () => {
    // the destination (on another address would be the same: the cap counts the sources) holds a
    // reservation and answers the relay's STOP with its circuit relay transport
    relay.libp2p.services.relay?.reservations.clear()
    const destination = await peer(true)
    const reserved = await hop(destination, Uint8Array.of(0x08, 0x00))
    assert.equal(reserved.status, OK)
    await reserved.stream.close()
    const sources = await Promise.all(Array.from({ length: RELAYED_CONNECTIONS_PER_ADDRESS + 8 }, async () => peer()))
    const request = connectTo(destination.peerId.toMultihash().bytes)
    const results = []
    for (const s of sources) {
      results.push(await hop(s, request).catch(() => ({ status: undefined })))
      await new Promise(resolve => setTimeout(resolve, 200)) // each circuit lives until the destination's 10 s upgrade timeout
    }
    const opened = results.filter(r => r.status === OK).length
    console.log(`      ${sources.length} relayed connections asked for from 127.0.0.1: ${opened} opened`)
    assert.equal(opened, RELAYED_CONNECTIONS_PER_ADDRESS, `relayed connections opened: ${results.map(r => r.status).join(' ')}`)
  })
})
