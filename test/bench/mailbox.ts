/**
 * Mailbox benchmarks, production code over TCP loopback with SQLite files:
 * - deposits/s with durable custody receipts (a sender pipelining deposits of 1 KiB-bucket
 *   envelopes to a host, counting only verified receipts), against raw durable SQLite inserts of
 *   the same bytes into the same table, one autocommit each, in the same run (the ratio);
 * - the time for an owner to fetch, decrypt, store and ack 10,000 real sealed messages that a
 *   contact left at its mailbox while it was offline (target < 5 s).
 * The host's deposit rate limit is lifted in both (it is a policy, not a cost).
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { Envelope, identityFromString } from '../../protocol/index.js'
import { verifyCustody } from '../../protocol/mailbox/index.js'
import { nodeCrypto } from '../../node/crypto.js'
import { openDatabase, transaction } from '../../node/store/sqlite.js'
import { mailboxesFor, SqlitePeer, until } from '../node/sqlite-peer.js'
import type { Row } from './index.js'

const DEPOSITS = 5_000
/** deposits per request stream, and streams in flight */
const BATCH = 128
const STREAMS = 2
const QUEUED = 10_000
const DAY = 86_400_000
const crypto = nodeCrypto()

/**
 * Raw durable inserts of `envelopes` into a fresh database's mailbox table: one transaction each,
 * or `batch` rows per transaction (as the host commits one request's deposits together).
 */
function rawInserts (envelopes: Uint8Array[], batch = 1): number {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-raw-'))
  const db = openDatabase(join(dir, 'raw.db'))
  try {
    const insert = db.prepare('INSERT INTO mailbox_items (owner, id, depositor, envelope, hash, expires_at, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    const hash = new Uint8Array(32)
    const t0 = performance.now()
    for (let i = 0; i < envelopes.length; i += batch) {
      transaction(db, () => { envelopes.slice(i, i + batch).forEach((e, j) => insert.run('owner', String(i + j), 'depositor', e, hash, Date.now() + DAY, Date.now())) })
    }
    return envelopes.length / ((performance.now() - t0) / 1000)
  } finally {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The host side in its own process (test/bench/mailbox-host.ts), as a mailbox host is another peer. */
async function startHost (sender: Uint8Array): Promise<{ address: string, capability: Uint8Array, ownerDevice: Uint8Array, owner: string, stop(): void }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'mailbox-host.js')], { stdio: ['pipe', 'pipe', 'inherit'] })
  child.stdin.write(Buffer.from(sender).toString('hex') + '\n')
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', d => { out += String(d); if (out.includes('\n')) resolve(out.split('\n')[0]) })
    child.once('exit', code => reject(new Error(`mailbox host exited with ${code}`)))
    setTimeout(() => reject(new Error('mailbox host did not start within 30 s')), 30_000).unref()
  })
  const r = JSON.parse(line)
  return { address: r.address, owner: r.owner, capability: Buffer.from(r.capability, 'hex'), ownerDevice: Buffer.from(r.ownerDevice, 'hex'), stop: () => child.stdin.end() }
}

export async function depositRate (): Promise<{ deposits: number, raw: number, batched: number }> {
  const sender = await SqlitePeer.create('alice')
  await sender.start()
  const host = await startHost(sender.identity.identityKey.publicKey.raw)
  try {
    const { capability, ownerDevice } = host
    const recipient = identityFromString(host.owner)
    const now = Date.now()
    const make = (): Uint8Array => Envelope.encode({ version: 1, id: randomBytes(16), recipient, recipientDevice: ownerDevice, created: now, expiresAt: now + DAY, payload: randomBytes(1024) })
    const connection = await sender.node.libp2p.dial(multiaddr(host.address))
    const hostId = connection.remotePeer
    const deposit = async (envelopes: Uint8Array[]): Promise<number> => {
      // as the sender role sends them: one frame of up to BATCH deposits per request
      const answers = await sender.node.libp2p.services.mailbox.at(connection).deposit(envelopes.map(envelope => ({ capability, deviceSignature: sender.identity.deviceSignature, envelope })), { signal: AbortSignal.timeout(120_000) })
      let ok = 0
      for (const [i, a] of answers.entries()) {
        if (a.custody == null) throw new Error(`deposit refused: ${a.refusal?.reason}`)
        const env = Envelope.decode(envelopes[i])
        await verifyCustody(a.custody, hostId, env.id, a.custody.envelopeHash, env.expiresAt, crypto)
        ok++
      }
      return ok
    }
    for (let i = 0; i < 4; i++) await deposit(Array.from({ length: BATCH }, make)) // warm up
    const envelopes = Array.from({ length: DEPOSITS }, make)
    // a few request streams at once, as the sender role does: one verifies receipts while another waits
    const t0 = performance.now()
    let done = 0
    let next = 0
    await Promise.all(Array.from({ length: STREAMS }, async () => {
      while (next < envelopes.length) {
        const batch = envelopes.slice(next, next + BATCH)
        next += BATCH
        const n = await deposit(batch) // (not `done += await ...`: that reads done before the await)
        done += n
      }
    }))
    const deposits = done / ((performance.now() - t0) / 1000)
    return { deposits, raw: rawInserts(envelopes), batched: rawInserts(envelopes, BATCH) }
  } finally {
    host.stop()
    await sender.remove()
  }
}

/** Seconds for an owner to collect QUEUED real messages from its mailbox (fetch, decrypt, store, ack). */
async function fetchAndAck (): Promise<{ seconds: number, fill: number }> {
  const options = { mailbox: { graceMs: 0, replication: 1, pollMs: 3_600_000, policy: { depositsPerSecond: 1e9, burst: 1e9 } } }
  const [a, b, m] = await Promise.all(['alice', 'bob', 'm'].map(async n => SqlitePeer.create(n, options)))
  try {
    await Promise.all([a, b, m].map(async p => p.start()))
    await mailboxesFor(a, b, [m])
    await b.stop()
    const t0 = performance.now()
    for (let i = 0; i < QUEUED; i += 500) await Promise.all(Array.from({ length: Math.min(500, QUEUED - i) }, async (_, j) => a.node.conversations.send('bob', `queued ${i + j} ${'x'.repeat(200)}`)))
    await until(`${QUEUED} at the mailbox`, async () => ((await m.node.needMailboxes().status()).hosting[0]?.messages ?? 0) >= QUEUED, 300_000)
    const fill = (performance.now() - t0) / 1000
    await a.stop()
    await b.start()
    const t1 = performance.now()
    const { collected } = await b.node.collectMail()
    const seconds = (performance.now() - t1) / 1000
    const stored = collected.reduce((n, c) => n + c.stored, 0)
    const left = (await m.node.needMailboxes().status()).hosting[0].messages
    if (stored !== QUEUED || left !== 0) throw new Error(`collected ${stored}/${QUEUED}, ${left} left at the host`)
    return { seconds, fill }
  } finally {
    await Promise.all([a, b, m].map(async p => p.remove()))
  }
}

/** Measure in a child process of its own (this file, with --child), away from the other benches' heap. */
export async function mailboxBench (): Promise<Row[]> {
  const child = spawn(process.execPath, ['--max-semi-space-size=64', import.meta.filename, '--child'], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', d => { out += String(d) })
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000)
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  clearTimeout(timer)
  if (code !== 0) throw new Error(`the mailbox bench failed (exit ${code})`)
  return JSON.parse(out)
}

async function measure (): Promise<Row[]> {
  const { deposits, raw, batched } = await depositRate()
  const { seconds, fill } = await fetchAndAck()
  return [
    // against raw inserts committed in the same batches (one transaction per request of BATCH)
    { name: 'mailbox.deposit.msgs_per_s', unit: 'msg/s', value: deposits, baseline: batched, ratio: deposits / batched },
    { name: 'sqlite.raw_insert_batched.rows_per_s', unit: 'rows/s', value: batched },
    { name: 'sqlite.raw_insert.rows_per_s', unit: 'rows/s', value: raw },
    { name: `mailbox.fetch_ack_${QUEUED}.s`, unit: 's', value: seconds },
    { name: `mailbox.fill_${QUEUED}.s`, unit: 's', value: fill }
  ]
}

if (process.argv[2] === '--child') {
  const rows = await measure()
  process.stdout.write(JSON.stringify(rows))
  process.exit(0)
}
