/**
 * DHT lookups over an in-process network of production createFerry nodes (memory transport):
 * success rate, hops, lookup latency and memory per node, for N nodes.
 *
 * Each size runs in a child process of its own (this file, with --child), so memory per node is
 * measured against a fresh baseline and a size that does not fit the machine fails alone (its
 * rows say so) instead of taking the whole bench down. The child runs Node with a larger young
 * generation and without error stack traces: libp2p's noise decoder throws (and catches) a
 * RangeError at the end of every frame, and the stack capture alone cost ~20 % of the CPU.
 *
 * Lookups: LOOKUPS_PER_SIZE from random nodes for random others' bundle records, one at a time
 * (latency is then not inflated by the lookups' own contention); bounded in count and time.
 */
import { spawn } from 'node:child_process'
import { nodeCrypto } from '../../node/crypto.js'
import { dhtNetwork } from '../dht-network.js'
import type { Row } from './index.js'

const LOOKUPS = 300
const LOOKUP_BUDGET_MS = 120_000
/** a size that has not finished by then did not fit the machine */
const SIZE_BUDGET_MS = Number(process.env.FERRY_DHT_BUDGET_S ?? 420) * 1000

const at = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN

async function measure (n: number, seed: number): Promise<Row[]> {
  global.gc?.()
  const before = process.memoryUsage().rss
  const t0 = Date.now()
  const net = await dhtNetwork(n, seed, nodeCrypto())
  const setupMs = Date.now() - t0
  global.gc?.()
  const rss = (process.memoryUsage().rss - before) / n / (1024 * 1024)
  const latencies: number[] = []
  const hops: number[] = []
  let tried = 0
  const started = Date.now()
  try {
    while (tried < LOOKUPS && Date.now() - started < LOOKUP_BUDGET_MS) {
      const i = Math.floor(net.random() * n)
      const j = (i + 1 + Math.floor(net.random() * (n - 1))) % n
      tried++
      const t = performance.now()
      try {
        const r = await net.nodes[i].directory.lookup('bundle', net.nodes[j].identity.identityKey.publicKey.raw)
        latencies.push(performance.now() - t)
        hops.push(r.hops)
      } catch {}
    }
  } finally {
    await net.stop()
  }
  latencies.sort((a, b) => a - b)
  hops.sort((a, b) => a - b)
  const published = net.published.filter(p => p === 2).length
  console.error(`  dht ${n}: network built and ${published}/${n} nodes published in ${(setupMs / 1000).toFixed(1)} s; ${tried} lookups in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return [
    { name: `dht.${n}.success_rate`, unit: 'ratio', value: latencies.length / tried },
    { name: `dht.${n}.hops_p50`, unit: 'hops', value: at(hops, 0.5), baseline: Math.log2(n) / 2, ratio: at(hops, 0.5) / (Math.log2(n) / 2) },
    { name: `dht.${n}.hops_p95`, unit: 'hops', value: at(hops, 0.95) },
    { name: `dht.${n}.latency_p50_ms`, unit: 'ms', value: at(latencies, 0.5) },
    { name: `dht.${n}.latency_p95_ms`, unit: 'ms', value: at(latencies, 0.95) },
    { name: `dht.${n}.rss_mib_per_node`, unit: 'MiB', value: rss },
    { name: `dht.${n}.setup_s`, unit: 's', value: setupMs / 1000 }
  ]
}

/** Measure one size in a child process; a size over budget or out of memory reports why. */
export async function dhtBench (n: number, seed: number): Promise<Row[]> {
  const child = spawn(process.execPath, ['--expose-gc', '--max-semi-space-size=64', '--max-old-space-size=16384', import.meta.filename, '--child', String(n), String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', d => { out += String(d) })
  const timer = setTimeout(() => child.kill('SIGKILL'), SIZE_BUDGET_MS)
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  clearTimeout(timer)
  if (code === 0) return JSON.parse(out)
  console.error(`  dht ${n}: did not finish within ${SIZE_BUDGET_MS / 1000} s on this machine (exit ${code})`)
  return [{ name: `dht.${n}.did_not_fit`, unit: 'bool', value: 1 }]
}

if (process.argv[2] === '--child') {
  Error.stackTraceLimit = 0
  const rows = await measure(Number(process.argv[3]), Number(process.argv[4]))
  process.stdout.write(JSON.stringify(rows))
  process.exit(0)
}
