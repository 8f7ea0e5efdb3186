/**
 * A long history: a daemon holding 100,000 messages with one contact. Rows: its start-up (spawn of
 * `ferry start` until it prints "running"), against the same daemon holding one message, in the
 * same run; `ferry messages NAME --last 50` through the API (the daemon's own time for the
 * query) and as a whole command (a Node process, against `node -e 0`). The history is written
 * straight into the daemon's SQLite file with the store's own sealed insert (restoreHistory, the
 * path a backup restore takes), which takes seconds instead of the half hour sending would.
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { ApiClient } from '../../node/cli/client.js'
import { AtRestCipher } from '../../node/at-rest.js'
import { loadKeyFile } from '../../node/keyfile.js'
import { dataPaths } from '../../node/paths.js'
import { openDatabase } from '../../node/store/sqlite.js'
import { SqliteMessageStore } from '../../node/store/messages.js'
import { befriend, BIN, startDaemons, stopAll, waitFor } from '../node/harness.js'
import { percentile } from './index.js'
import type { DaemonProcess } from '../node/harness.js'
import type { MessageRecord } from '../../protocol/index.js'
import type { Row } from './index.js'

const HISTORY = Number(process.env.FERRY_BENCH_HISTORY ?? 100_000)
const STARTS = 3
const QUERIES = 20
const CLI_RUNS = 10

const median = (xs: number[]): number => percentile([...xs].sort((x, y) => x - y), 0.5)

/** Wall ms from spawning `ferry start` until it says it is running; the daemon is left running. */
async function timedStart (d: DaemonProcess): Promise<number> {
  const t0 = performance.now()
  const proc = spawn(process.execPath, [BIN, 'start', '--data-dir', d.dir, '--no-mdns', '--no-web'], { stdio: ['ignore', 'pipe', 'pipe'] })
  d.proc = proc
  let log = ''
  const running = new Promise<number>((resolve, reject) => {
    proc.stdout.on('data', c => { log += String(c); if (log.includes('running;')) resolve(performance.now() - t0) })
    proc.once('exit', code => { reject(new Error(`ferry start exited with ${code}: ${log}`)) })
  })
  const ms = await running
  d.api = new ApiClient(d.dir)
  return ms
}

/** `n` messages with `peer`, half each way, written as a restored history. */
async function fill (d: DaemonProcess, peer: string, n: number): Promise<void> {
  const keys = await loadKeyFile(dataPaths(d.dir).key)
  const db = openDatabase(dataPaths(d.dir).db)
  try {
    const store = new SqliteMessageStore(db, new AtRestCipher(keys.storageKey))
    const now = Date.now() - n * 1000
    for (let i = 0; i < n; i += 10_000) {
      const batch: MessageRecord[] = []
      for (let j = i; j < Math.min(n, i + 10_000); j++) {
        batch.push({ id: randomBytes(16).toString('hex'), direction: j % 2 === 0 ? 'out' : 'in', peer, text: `message ${j} ${'x'.repeat(80)}`, status: 'delivered', createdAt: now + j * 1000, deliveredAt: now + j * 1000 + 50, expiresAt: now + j * 1000 + 30 * 86_400_000 } as unknown as MessageRecord)
      }
      store.restoreHistory(batch)
    }
  } finally {
    db.close()
  }
}

async function startups (d: DaemonProcess): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < STARTS; i++) {
    await d.stop()
    times.push(await timedStart(d))
  }
  return median(times)
}

export async function historyBench (): Promise<Row[]> {
  const [big, small, bob] = await startDaemons('hist-big', 'hist-small', 'hist-bob')
  try {
    await befriend(big, bob)
    await befriend(small, bob)
    const peer = (await bob.api.get<{ peerId: string }>('/v1/id')).peerId
    for (const d of [big, small]) {
      await d.api.post('/v1/messages', { contact: 'hist-bob', text: 'hello' })
      await waitFor('the first message delivered', async () => (await d.messages('out'))[0]?.status === 'delivered', 30_000)
      await d.stop()
    }
    const t0 = performance.now()
    await fill(big, peer, HISTORY)
    console.log(`      ${HISTORY} messages written in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    const startBig = await startups(big)
    const startSmall = await startups(small)
    // the daemon's answer to the last 50 of the conversation, HTTP on loopback included
    const api: number[] = []
    for (let i = 0; i < QUERIES; i++) {
      const q0 = performance.now()
      const got = await big.api.get<unknown[]>('/v1/messages?contact=hist-bob&last=50')
      api.push(performance.now() - q0)
      if (got.length !== 50) throw new Error(`--last 50 gave ${got.length}`)
    }
    const run = (args: string[]): number => { const c0 = performance.now(); execFileSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }); return performance.now() - c0 }
    const cli: number[] = []
    const bare: number[] = []
    for (let i = 0; i < CLI_RUNS; i++) {
      cli.push(run(['--no-warnings', BIN, 'messages', 'hist-bob', '--last', '50', '--json', '--data-dir', big.dir]))
      bare.push(run(['-e', '0']))
    }
    return [
      { name: `history.${HISTORY}.start_ms`, unit: 'ms', value: startBig, baseline: startSmall, ratio: startBig / startSmall },
      { name: 'history.1.start_ms', unit: 'ms', value: startSmall },
      { name: `history.${HISTORY}.last50.api_ms`, unit: 'ms', value: median(api) },
      { name: `history.${HISTORY}.last50.cli_ms`, unit: 'ms', value: median(cli), baseline: median(bare), ratio: median(cli) / median(bare) }
    ]
  } finally {
    await stopAll([big, small, bob])
  }
}
