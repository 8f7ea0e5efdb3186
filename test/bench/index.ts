/**
 * npm run bench [-- --out FILE]: Ferry direct messages against a raw libp2p echo of the same bytes
 * on the same transport in the same run (ratios, because machines are shared and noisy).
 *
 * Ferry counts a message only when the sender holds its verified receipt, i.e. after the receiver
 * durably committed it to SQLite. Throughput: N messages queued at once (pipelined on one stream).
 * Latency: one message at a time, from send() to the receipt being recorded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createFerry, createIdentity } from '../../protocol/index.js'
import { SqliteContactStore } from '../../node/store/contacts.js'
import { SqliteMessageStore } from '../../node/store/messages.js'
import { openDatabase } from '../../node/store/sqlite.js'
import { nodeCrypto } from '../../node/crypto.js'
import { nodeTransports } from '../../node/transports.js'
import { echoBench } from './echo.js'
import type { Ferry } from '../../protocol/index.js'

export interface Row { name: string, unit: string, value: number, baseline?: number, ratio?: number }

const TRANSPORTS: Record<string, string> = process.env.BENCH_ONLY === 'tcp'
  ? { tcp: '/ip4/127.0.0.1/tcp/0' }
  : {
      tcp: '/ip4/127.0.0.1/tcp/0',
      'webrtc-direct': '/ip4/127.0.0.1/udp/0/webrtc-direct'
    }

const THROUGHPUT_MSGS = 3000
const LATENCY_MSGS = 400
const TEXT = 'x'.repeat(1024)

export function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

interface Node { ferry: Ferry, dir: string, delivered: (id: string) => void }

async function ferryNode (listen: string, onDelivered: (id: string) => void): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-'))
  const db = openDatabase(join(dir, 'ferry.db'))
  const messages = new SqliteMessageStore(db)
  // observe receipts through the store the outbox writes them to
  const markDelivered = messages.markDelivered.bind(messages)
  messages.markDelivered = async (receipts) => { await markDelivered(receipts); for (const r of receipts) onDelivered(r.id) }
  const ferry = await createFerry({ identity: await createIdentity(), stores: { contacts: new SqliteContactStore(db), messages }, transports: nodeTransports(), crypto: nodeCrypto(), listen: [listen] })
  await ferry.start()
  return { ferry, dir, delivered: onDelivered }
}

async function ferryBench (transport: string): Promise<{ msgsPerS: number, latencies: number[] }> {
  const waiters = new Map<string, () => void>()
  let delivered = 0
  const onDelivered = (id: string): void => { delivered++; waiters.get(id)?.(); waiters.delete(id) }
  const a = await ferryNode(TRANSPORTS[transport], onDelivered)
  const b = await ferryNode(TRANSPORTS[transport], () => {})
  try {
    await a.ferry.addContact('b', b.ferry.addresses()[0])
    // warm up: connection, stream, JIT
    for (let i = 0; i < 50; i++) await a.ferry.send('b', TEXT)
    const deadline = Date.now() + 60_000
    while (delivered < 50 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 5))

    const latencies: number[] = []
    for (let i = 0; i < LATENCY_MSGS; i++) {
      const t0 = performance.now()
      const done = new Promise<void>(resolve => { void a.ferry.send('b', TEXT).then(m => waiters.set(m.id, resolve)) })
      await done
      latencies.push(performance.now() - t0)
    }

    const start = delivered
    const t0 = performance.now()
    const sends: Array<Promise<unknown>> = []
    for (let i = 0; i < THROUGHPUT_MSGS; i++) sends.push(a.ferry.send('b', TEXT))
    await Promise.all(sends)
    while (delivered - start < THROUGHPUT_MSGS && Date.now() < deadline + 120_000) await new Promise(resolve => setTimeout(resolve, 2))
    const elapsed = (performance.now() - t0) / 1000
    if (delivered - start < THROUGHPUT_MSGS) throw new Error(`only ${delivered - start}/${THROUGHPUT_MSGS} delivered`)
    return { msgsPerS: THROUGHPUT_MSGS / elapsed, latencies: latencies.sort((x, y) => x - y) }
  } finally {
    await a.ferry.stop()
    await b.ferry.stop()
    rmSync(a.dir, { recursive: true, force: true })
    rmSync(b.dir, { recursive: true, force: true })
  }
}

function printTable (rows: Row[]): void {
  const fmt = (v: number | undefined): string => v == null ? '' : v >= 100 ? v.toFixed(0) : v.toFixed(3)
  console.log('\n' + ['name'.padEnd(40), 'value'.padStart(10), 'unit'.padEnd(8), 'baseline'.padStart(10), 'ratio'.padStart(7)].join(' '))
  for (const r of rows) {
    console.log([r.name.padEnd(40), fmt(r.value).padStart(10), r.unit.padEnd(8), fmt(r.baseline).padStart(10), (r.ratio == null ? '' : r.ratio.toFixed(2)).padStart(7)].join(' '))
  }
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } })
  const rows: Row[] = []
  for (const transport of Object.keys(TRANSPORTS)) {
    console.log(`measuring ${transport}...`)
    const echo = await echoBench(TRANSPORTS[transport])
    const ferry = await ferryBench(transport)
    const p = (q: number): number => percentile(ferry.latencies, q)
    rows.push(
      { name: `dm.${transport}.msgs_per_s`, unit: 'msg/s', value: ferry.msgsPerS, baseline: echo.oneStream.perS, ratio: ferry.msgsPerS / echo.oneStream.perS },
      { name: `dm.${transport}.p50_ms`, unit: 'ms', value: p(0.5), baseline: echo.oneStream.p50, ratio: p(0.5) / echo.oneStream.p50 },
      { name: `dm.${transport}.p99_ms`, unit: 'ms', value: p(0.99), baseline: echo.oneStream.p99, ratio: p(0.99) / echo.oneStream.p99 },
      { name: `echo.${transport}.one_stream.msgs_per_s`, unit: 'rt/s', value: echo.oneStream.perS },
      { name: `echo.${transport}.new_stream.msgs_per_s`, unit: 'rt/s', value: echo.newStream.perS, baseline: echo.oneStream.perS, ratio: echo.newStream.perS / echo.oneStream.perS }
    )
  }
  printTable(rows)
  if (values.out != null) writeFileSync(values.out, JSON.stringify({ date: new Date().toISOString(), node: process.version, results: rows }, null, 2) + '\n')
  process.exit(0)
}

await main()
