/**
 * The baseline: a raw libp2p echo of 1 KiB length-prefixed frames between two nodes on the same
 * transport — on one long-lived stream one round trip at a time (the latency baseline), pipelined
 * on one stream with up to the /ferry/dm window in flight (the throughput baseline), and with a
 * new stream per message. The server runs in another process (test/bench/peer.ts), as a peer would.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { lpStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { nodeTransports } from '../../node/transports.js'
import { MAX_IN_FLIGHT } from '../../protocol/services/dm/constants.js'
import type { Libp2p } from '@libp2p/interface'

const PROTOCOL = '/ferry-bench/echo/1.0.0'
/** frames the pipelined echo sends (bounded by MAX_MS as well) */
const PIPELINED_MAX = 30_000
const ONE_STREAM_MAX = 5000
const NEW_STREAM_MAX = 1000
const MAX_MS = 5000

export interface EchoResult { perS: number, p50: number, p99: number }

function summarize (latencies: number[], elapsedMs: number): EchoResult {
  const sorted = [...latencies].sort((a, b) => a - b)
  return { perS: latencies.length / (elapsedMs / 1000), p50: sorted[Math.floor(sorted.length / 2)], p99: sorted[Math.floor(sorted.length * 0.99)] }
}

/**
 * Echoes per second on one stream with up to MAX_IN_FLIGHT frames unanswered, as /ferry/dm keeps
 * envelopes on the wire before it waits for receipts: a writer and a reader at once.
 */
async function pipelinedRate (conn: Awaited<ReturnType<Libp2p['dial']>>, data: Uint8Array): Promise<number> {
  const stream = await conn.newStream(PROTOCOL)
  const lp = lpStream(stream)
  let sent = 0
  let echoed = 0
  let wake: (() => void) | undefined
  const t0 = performance.now()
  const writer = (async () => {
    while (sent < PIPELINED_MAX && performance.now() - t0 < MAX_MS) {
      if (sent - echoed >= MAX_IN_FLIGHT) await new Promise<void>(resolve => { wake = resolve })
      await lp.write(data)
      sent++
    }
  })()
  const reader = (async () => {
    while (echoed < PIPELINED_MAX && (echoed < sent || performance.now() - t0 < MAX_MS)) {
      await lp.read()
      echoed++
      wake?.()
      wake = undefined
    }
  })()
  await writer
  while (echoed < sent) await new Promise(resolve => setTimeout(resolve, 1))
  const rate = echoed / ((performance.now() - t0) / 1000)
  await stream.close()
  void reader.catch(() => {})
  return rate
}

const mk = async (listen: string[]): Promise<Libp2p> => createLibp2p({ addresses: { listen }, transports: nodeTransports(), connectionEncrypters: [noise()], streamMuxers: [yamux()] })

/** The echo side: answers every length-prefixed frame with itself. Returns its address. */
export async function startEchoServer (listen: string): Promise<{ node: Libp2p, address: string }> {
  const server = await mk([listen])
  await server.handle(PROTOCOL, async (stream) => {
    const lp = lpStream(stream)
    try {
      while (true) await lp.write(await lp.read())
    } catch {}
    await stream.close().catch(() => {})
  }, { maxInboundStreams: 1024 })
  return { node: server, address: server.getMultiaddrs()[0].toString() }
}

/** Round trips to the echo server at `address`: on one stream, and with a new stream each. */
export async function echoBench (address: string): Promise<{ oneStream: EchoResult, newStream: EchoResult, pipelined: number }> {
  const client = await mk([])
  try {
    const conn = await client.dial(multiaddr(address))
    const data = new Uint8Array(1024).fill(7)
    const run = async (max: number, once: () => Promise<void>): Promise<EchoResult> => {
      for (let i = 0; i < 50; i++) await once() // warm up
      const latencies: number[] = []
      const t0 = performance.now()
      while (latencies.length < max && performance.now() - t0 < MAX_MS) {
        const s = performance.now()
        await once()
        latencies.push(performance.now() - s)
      }
      return summarize(latencies, performance.now() - t0)
    }
    const stream = await conn.newStream(PROTOCOL)
    const lp = lpStream(stream)
    const oneStream = await run(ONE_STREAM_MAX, async () => { await lp.write(data); await lp.read() })
    await stream.close()
    const newStream = await run(NEW_STREAM_MAX, async () => {
      const s = await conn.newStream(PROTOCOL)
      const l = lpStream(s)
      await l.write(data)
      await l.read()
      await s.close()
    })
    const pipelined = await pipelinedRate(conn, data)
    return { oneStream, newStream, pipelined }
  } finally {
    await client.stop()
  }
}
