/**
 * npm run bench [-- --out FILE]: Ferry direct messages against a raw libp2p echo of the same bytes
 * on the same transport in the same run (ratios, because machines are shared and noisy).
 *
 * Ferry counts a message only when the sender holds its verified receipt, i.e. after the receiver
 * durably committed it to SQLite. Throughput: N messages queued at once (pipelined on one stream).
 * Latency: one message at a time, from send() to the receipt being recorded. The far side (echo
 * server and receiving Ferry node) runs in its own process, as a peer does; the sender and the
 * echo client run here.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { callsBench } from './calls.js'
import { cliBench } from './cli.js'
import { cryptoBench } from './crypto.js'
import { devicesBench } from './devices.js'
import { dhtBench } from './dht.js'
import { echoBench } from './echo.js'
import { filesBench } from './files.js'
import { firstContactBench } from './first-contact.js'
import { groupsBench } from './groups.js'
import { historyBench } from './history.js'
import { mailboxBench } from './mailbox.js'
import { ferryNode } from './nodes.js'
import { simBench } from './sim.js'

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

/** Start the far side (test/bench/peer.ts) in a child process and read its addresses. */
async function startPeer (listen: string): Promise<{ echo: string, ferry: string, befriend(sender: string): Promise<void>, stop(): void }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'peer.js'), listen], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines: string[] = []
  let out = ''
  let waiting: (() => void) | undefined
  child.stdout.on('data', d => {
    out += String(d)
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) { lines.push(out.slice(0, nl)); out = out.slice(nl + 1) }
    waiting?.()
  })
  const nextLine = async (what: string): Promise<string> => await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`bench peer: no ${what} within 30 s`)) }, 30_000)
    child.once('exit', code => { reject(new Error(`bench peer exited with ${code}`)) })
    const take = (): void => { if (lines.length > 0) { clearTimeout(timer); waiting = undefined; resolve(lines.shift() as string) } }
    waiting = take
    take()
  })
  const line = await nextLine('addresses')
  return {
    ...JSON.parse(line),
    // the far side adds the sender as a contact, as people who message each other are
    befriend: async (sender: string) => { child.stdin.write(sender + '\n'); await nextLine('ready') },
    stop: () => child.stdin.end()
  }
}

async function ferryBench (peer: { ferry: string, befriend(sender: string): Promise<void> }): Promise<{ msgsPerS: number, latencies: number[] }> {
  const remote = peer.ferry
  const waiters = new Map<string, () => void>()
  let delivered = 0
  const onDelivered = (id: string): void => { delivered++; waiters.get(id)?.(); waiters.delete(id) }
  const a = await ferryNode([], onDelivered)
  try {
    await a.ferry.roster.add('b', remote)
    await peer.befriend(`/p2p/${a.ferry.peerId}`) // the sender does not listen: the far side answers on the connection it dials
    // warm up: connection, stream, JIT
    for (let i = 0; i < 50; i++) await a.ferry.conversations.send('b', TEXT)
    const deadline = Date.now() + 60_000
    while (delivered < 50 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 5))

    const latencies: number[] = []
    for (let i = 0; i < LATENCY_MSGS; i++) {
      const t0 = performance.now()
      const done = new Promise<void>(resolve => { void a.ferry.conversations.send('b', TEXT).then(m => waiters.set(m.id, resolve)) })
      await done
      latencies.push(performance.now() - t0)
    }

    const start = delivered
    const t0 = performance.now()
    const sends: Array<Promise<unknown>> = []
    for (let i = 0; i < THROUGHPUT_MSGS; i++) sends.push(a.ferry.conversations.send('b', TEXT))
    await Promise.all(sends)
    while (delivered - start < THROUGHPUT_MSGS && Date.now() < deadline + 120_000) await new Promise(resolve => setTimeout(resolve, 2))
    const elapsed = (performance.now() - t0) / 1000
    if (delivered - start < THROUGHPUT_MSGS) throw new Error(`only ${delivered - start}/${THROUGHPUT_MSGS} delivered`)
    return { msgsPerS: THROUGHPUT_MSGS / elapsed, latencies: latencies.sort((x, y) => x - y) }
  } finally {
    await a.close()
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
  // the `ferry sim` rows take ten minutes or more: only with BENCH_ONLY=sim (`npm run bench:sim`,
  // those rows alone) or FERRY_BENCH_SIM=1 (everything)
  // BENCH_ONLY=group: the team room rows alone (`group.100.*`, in-process)
  const groupOnly = process.env.BENCH_ONLY === 'group'
  // BENCH_ONLY=devices: the linked-device rows alone
  const devicesOnly = process.env.BENCH_ONLY === 'devices'
  // BENCH_ONLY=dm: the direct-message and echo rows alone
  const dmOnly = process.env.BENCH_ONLY === 'dm'
  const others = process.env.BENCH_ONLY !== 'sim' && !groupOnly && !devicesOnly && !dmOnly && process.env.BENCH_ONLY !== 'files' && process.env.BENCH_ONLY !== 'calls' && process.env.BENCH_ONLY !== 'cli' && process.env.BENCH_ONLY !== 'history' && process.env.BENCH_ONLY !== 'first-contact' && process.env.BENCH_ONLY !== 'crypto' && process.env.BENCH_ONLY !== 'mailbox'
  const simRows = process.env.BENCH_ONLY === 'sim' || (others && process.env.FERRY_BENCH_SIM === '1')
  for (const transport of others || dmOnly ? Object.keys(TRANSPORTS) : []) {
    console.log(`measuring ${transport}...`)
    const peer = await startPeer(TRANSPORTS[transport])
    let echo, ferry
    try {
      echo = await echoBench(peer.echo)
      ferry = await ferryBench(peer)
    } finally {
      peer.stop()
    }
    const p = (q: number): number => percentile(ferry.latencies, q)
    rows.push(
      // throughput against the raw stream pipelined with the same window; latency against one round trip at a time
      { name: `dm.${transport}.msgs_per_s`, unit: 'msg/s', value: ferry.msgsPerS, baseline: echo.pipelined, ratio: ferry.msgsPerS / echo.pipelined },
      { name: `echo.${transport}.pipelined.msgs_per_s`, unit: 'msg/s', value: echo.pipelined },
      { name: `dm.${transport}.p50_ms`, unit: 'ms', value: p(0.5), baseline: echo.oneStream.p50, ratio: p(0.5) / echo.oneStream.p50 },
      { name: `dm.${transport}.p99_ms`, unit: 'ms', value: p(0.99), baseline: echo.oneStream.p99, ratio: p(0.99) / echo.oneStream.p99 },
      { name: `echo.${transport}.one_stream.msgs_per_s`, unit: 'rt/s', value: echo.oneStream.perS },
      { name: `echo.${transport}.p50_ms`, unit: 'ms', value: echo.oneStream.p50 },
      { name: `echo.${transport}.new_stream.msgs_per_s`, unit: 'rt/s', value: echo.newStream.perS, baseline: echo.oneStream.perS, ratio: echo.newStream.perS / echo.oneStream.perS }
    )
  }
  // BENCH_ONLY=files: the file rows alone
  if (others || process.env.BENCH_ONLY === 'files') {
    console.log('measuring files...')
    rows.push(...await filesBench(TRANSPORTS))
  }
  // BENCH_ONLY=cli: the CLI row alone
  if ((others && process.env.BENCH_ONLY !== 'tcp') || process.env.BENCH_ONLY === 'cli') {
    console.log('measuring the CLI...')
    rows.push(...await cliBench())
  }
  // BENCH_ONLY=first-contact: the first message to a new contact
  if (others || process.env.BENCH_ONLY === 'first-contact') {
    console.log('measuring the first message to a new contact...')
    rows.push(...await firstContactBench())
  }
  // BENCH_ONLY=history: a daemon holding 100,000 messages (start-up, the last 50)
  if ((others && process.env.BENCH_ONLY !== 'tcp') || process.env.BENCH_ONLY === 'history') {
    console.log('measuring a long history...')
    rows.push(...await historyBench())
  }
  // BENCH_ONLY=calls: the call rows alone (Chromium in a lab namespace)
  if ((others && process.env.BENCH_ONLY !== 'tcp') || process.env.BENCH_ONLY === 'calls') {
    console.log('measuring calls...')
    rows.push(...await callsBench())
  }
  // BENCH_ONLY=crypto, BENCH_ONLY=mailbox: those rows alone
  if ((others && process.env.BENCH_ONLY !== 'files') || process.env.BENCH_ONLY === 'crypto') {
    console.log('measuring crypto...')
    rows.push(...await cryptoBench())
  }
  if (others || groupOnly) {
    console.log('measuring team rooms at 100 members...')
    rows.push(...await groupsBench())
  }
  if (others || devicesOnly) {
    console.log('measuring linked devices...')
    rows.push(...await devicesBench())
  }
  if ((others && process.env.BENCH_ONLY !== 'tcp') || process.env.BENCH_ONLY === 'mailbox') {
    console.log('measuring mailboxes...')
    rows.push(...await mailboxBench())
  }
  const seed = Number(process.env.FERRY_DHT_SEED ?? Date.now() % 1_000_000)
  for (const n of others ? (process.env.FERRY_DHT_SIZES ?? '50,200').split(',').map(Number) : []) {
    console.log(`measuring the DHT with ${n} nodes (seed ${seed})...`)
    rows.push(...await dhtBench(n, seed))
  }
  if (simRows) {
    console.log(`measuring ferry sim: team-churn, and scale-1000 at ${process.env.FERRY_SIM_SCALE ?? 200} nodes...`)
    rows.push(...await simBench())
  }
  printTable(rows)
  if (values.out != null) writeFileSync(values.out, JSON.stringify({ date: new Date().toISOString(), node: process.version, results: rows }, null, 2) + '\n')
  process.exit(0)
}

await main()
