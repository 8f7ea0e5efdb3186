/**
 * An in-process Ferry network on the memory transport for DHT tests and benchmarks: N production
 * createFerry nodes joining one after another, each dialling up to 3 random earlier ones (a seeded
 * sparse graph), kad-dht's own self-queries and pings filling the routing tables as on a real
 * network, then every node publishing its records once the network stands (publishOnStart off:
 * a record published into a half-formed network would land on the wrong peers and be redone).
 * Logging is off: libp2p creates a logger per stream, a measurable cost at this scale. So is the
 * connection monitor: it pings every connection every 10 s, which with 200 nodes (13,000
 * connections in one process) was 1,300 pings a second and starved everything else — the
 * measurement is of DHT lookups, not of idle-connection liveness.
 */
import { memory } from '@libp2p/memory'
import { multiaddr } from '@multiformats/multiaddr'
import { createFerry, createIdentity, memoryStores } from '../protocol/index.js'
import { quietLogger } from '../node/sim/inprocess.js'
import type { CryptoBackend, Ferry } from '../protocol/index.js'

/** mulberry32: a small seeded PRNG so a failing topology can be replayed. */
export function rng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export { quietLogger }

export interface DhtNetwork {
  nodes: Ferry[]
  run: string
  random(): number
  /** records each node managed to publish */
  published: number[]
  /** a node like the others (same options), listening on /memory/<run>-<name> */
  node(name: string): Promise<Ferry>
  stop(): Promise<void>
}

const BATCH = 25

async function inBatches<T, R> (items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = []
  for (let i = 0; i < items.length; i += BATCH) out.push(...await Promise.all(items.slice(i, i + BATCH).map(fn)))
  return out
}

export async function dhtNetwork (n: number, seed: number, crypto: CryptoBackend): Promise<DhtNetwork> {
  const random = rng(seed)
  const run = `dht-${seed}-${Math.random().toString(36).slice(2, 8)}`
  const node = async (name: string): Promise<Ferry> => {
    const ferry = await createFerry({ identity: await createIdentity(), stores: memoryStores(), transports: [memory()], listen: [`/memory/${run}-${name}`], crypto, logger: quietLogger, publishOnStart: false, connectionMonitor: { enabled: false } })
    await ferry.start()
    return ferry
  }
  const nodes: Ferry[] = []
  for (let i = 0; i < n; i++) {
    const ferry = await node(String(i))
    const peers = new Set<number>()
    for (let k = 0; k < Math.min(3, i); k++) peers.add(Math.floor(random() * i))
    await Promise.all([...peers].map(async j => ferry.libp2p.dial(multiaddr(`/memory/${run}-${j}/p2p/${nodes[j].peerId}`)).catch(() => {})))
    nodes.push(ferry)
  }
  await new Promise(resolve => setTimeout(resolve, 1000)) // the last self-queries and pings settle
  const published = await inBatches(nodes, async f => f.directory.publish())
  return { nodes, run, random, published, node, stop: async () => { await inBatches(nodes, async f => f.stop()) } }
}
