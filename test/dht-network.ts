/**
 * An in-process Ferry network on the memory transport for DHT tests and benchmarks: N production
 * createFerry nodes, a seeded sparse random graph (each node dials 3 earlier ones), routing tables
 * refreshed as running nodes do, and every node's records published.
 */
import { memory } from '@libp2p/memory'
import { multiaddr } from '@multiformats/multiaddr'
import { createFerry, createIdentity, memoryStores } from '../protocol/index.js'
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

export interface DhtNetwork {
  nodes: Ferry[]
  run: string
  random(): number
  /** records each node managed to publish */
  published: number[]
  stop(): Promise<void>
}

export async function dhtNetwork (n: number, seed: number, crypto?: CryptoBackend): Promise<DhtNetwork> {
  const random = rng(seed)
  const run = `dht-${seed}-${Math.random().toString(36).slice(2, 8)}`
  const nodes: Ferry[] = []
  for (let i = 0; i < n; i++) {
    const ferry = await createFerry({ identity: await createIdentity(), stores: memoryStores(), transports: [memory()], listen: [`/memory/${run}-${i}`], crypto })
    await ferry.start()
    nodes.push(ferry)
  }
  for (let i = 1; i < n; i++) {
    for (let k = 0; k < Math.min(3, i); k++) {
      const j = Math.floor(random() * i)
      await nodes[i].libp2p.dial(multiaddr(`/memory/${run}-${j}/p2p/${nodes[j].peerId}`)).catch(() => {})
    }
  }
  await new Promise(resolve => setTimeout(resolve, 1000)) // identify runs: peers enter routing tables
  for (let i = 0; i < n; i += 25) await Promise.all(nodes.slice(i, i + 25).map(async f => f.libp2p.services.dht?.refreshRoutingTable()))
  const published: number[] = []
  for (let i = 0; i < n; i += 25) published.push(...await Promise.all(nodes.slice(i, i + 25).map(async f => f.publishRecords())))
  return { nodes, run, random, published, stop: async () => { await Promise.all(nodes.map(async f => f.stop())) } }
}
