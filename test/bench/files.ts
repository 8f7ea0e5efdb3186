/**
 * File throughput (docs/FILES.md): a 32 MiB file from one Ferry node to another, from the send to
 * the recipient's `complete` (every chunk fetched over /ferry/blob, checked, committed to SQLite,
 * and the whole re-hashed), against a raw libp2p stream carrying the same bytes in 64 KiB frames
 * between two plain nodes on the same transport in the same run. Both pairs run in this process.
 */
import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { lpStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { nodeTransports } from '../../node/transports.js'
import { ferryNode } from './nodes.js'
import type { Row } from './index.js'

const MiB = 1024 * 1024
const SIZE = 32 * MiB
const FRAME = 64 * 1024

/** Seconds for `SIZE` bytes over one raw stream (written in FRAME frames, read to the end). */
async function rawSeconds (listen: string, bytes: Uint8Array): Promise<number> {
  const mk = async (l: string[]): Promise<any> => createLibp2p({ addresses: { listen: l }, transports: nodeTransports(), connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  const [server, client] = await Promise.all([mk([listen]), mk([])])
  let done!: () => void
  const received = new Promise<void>(resolve => { done = resolve })
  await server.handle('/ferry-bench/bulk/1.0.0', async (stream: any) => {
    const lp = lpStream(stream, { maxDataLength: FRAME + 16 })
    let n = 0
    while (n < bytes.byteLength) n += (await lp.read()).byteLength
    done()
  })
  try {
    const stream = await client.dialProtocol(server.getMultiaddrs()[0], '/ferry-bench/bulk/1.0.0')
    const lp = lpStream(stream, { maxDataLength: FRAME + 16 })
    const t0 = performance.now()
    for (let i = 0; i < bytes.byteLength; i += FRAME) await lp.write(bytes.subarray(i, i + FRAME))
    await received
    return (performance.now() - t0) / 1000
  } finally {
    await Promise.all([client.stop(), server.stop()])
  }
}

/** Seconds from `files.send` to `complete` at the recipient. */
async function ferrySeconds (listen: string, bytes: Uint8Array): Promise<number> {
  const [a, b] = await Promise.all([ferryNode([listen]), ferryNode([listen])])
  try {
    await a.ferry.roster.add('b', await b.ferry.roster.invite())
    await b.ferry.roster.add('a', await a.ferry.roster.invite())
    const t0 = performance.now()
    const sent = await a.ferry.files?.send('b', (async function * () { for (let i = 0; i < bytes.byteLength; i += MiB) yield bytes.subarray(i, i + MiB) })(), { name: 'bench.bin' })
    while (true) {
      const f = await b.ferry.files?.get(sent?.id ?? '')
      if (f?.status === 'complete') break
      if (performance.now() - t0 > 120_000) throw new Error('the file did not complete within 120 s')
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    return (performance.now() - t0) / 1000
  } finally {
    await Promise.all([a.close(), b.close()])
  }
}

export async function filesBench (transports: Record<string, string>): Promise<Row[]> {
  const bytes = randomBytes(SIZE)
  const rows: Row[] = []
  for (const [name, listen] of Object.entries(transports)) {
    const raw = SIZE / MiB / await rawSeconds(listen, bytes)
    const ferry = SIZE / MiB / await ferrySeconds(listen, bytes)
    rows.push({ name: `files.${name}.mib_per_s`, unit: 'MiB/s', value: ferry, baseline: raw, ratio: ferry / raw })
  }
  return rows
}
