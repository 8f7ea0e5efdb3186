/**
 * DHT lookups over an in-process network of production createFerry nodes (memory transport):
 * success rate, lookup latency and memory per node, for N nodes (issue 4 benchmark). Every node
 * looks up the bundle record of two random others; loops are bounded in count and time.
 */
import { nodeCrypto } from '../../node/crypto.js'
import { dhtNetwork } from '../dht-network.js'
import type { Row } from './index.js'

const LOOKUPS_PER_NODE = 2
const MAX_MS = 120_000

export async function dhtBench (n: number, seed: number): Promise<Row[]> {
  global.gc?.()
  const before = process.memoryUsage().rss
  const t0 = Date.now()
  const net = await dhtNetwork(n, seed, nodeCrypto())
  const setupMs = Date.now() - t0
  const rss = (process.memoryUsage().rss - before) / n / (1024 * 1024)
  const latencies: number[] = []
  let tried = 0
  const started = Date.now()
  try {
    for (const [i, node] of net.nodes.entries()) {
      for (let k = 0; k < LOOKUPS_PER_NODE && Date.now() - started < MAX_MS; k++) {
        const j = (i + 1 + Math.floor(net.random() * (n - 1))) % n
        tried++
        const t0 = performance.now()
        try {
          await node.findRecord('bundle', net.nodes[j].identity.identityKey.publicKey.raw)
          latencies.push(performance.now() - t0)
        } catch {}
      }
    }
  } finally {
    await net.stop()
  }
  latencies.sort((a, b) => a - b)
  console.log(`  dht ${n}: network built in ${(setupMs / 1000).toFixed(1)} s, ${tried} lookups in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return [
    { name: `dht.${n}.success_rate`, unit: 'ratio', value: latencies.length / tried },
    { name: `dht.${n}.latency_p50_ms`, unit: 'ms', value: latencies[Math.floor(latencies.length / 2)] ?? NaN },
    { name: `dht.${n}.latency_p95_ms`, unit: 'ms', value: latencies[Math.floor(latencies.length * 0.95)] ?? NaN },
    { name: `dht.${n}.rss_mib_per_node`, unit: 'MiB', value: rss }
  ]
}
