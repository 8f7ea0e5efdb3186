/**
 * Linked-device benchmarks (docs/DEVICES.md), each with a baseline from the same run:
 * - devices.link_ms: `ferry init --link CODE` against a running daemon, wall time from the code in
 *   hand to the certificate and identity stored (the command exits 0), median of LINKS; baseline
 *   a plain `ferry init` (a new identity, no network) of the same CLI on the same machine.
 * - devices.link_history_10000_ms: the same with `--history`, the daemon holding 10,000 messages;
 *   baseline the link without history.
 * - devices.fanout_6.msgs_per_s: messages per second delivered to every device of a person with 6
 *   devices (a receipt from each), against the same for a person with one device (the ratio is what
 *   the 5 extra sealed copies cost the sender: ideally about 1/6).
 * Every loop is bounded in count and time and checks its results.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { certifyDevice, createFerry, createIdentity, memoryStores } from '../../protocol/index.js'
import { nodeCrypto } from '../../node/crypto.js'
import { nodeTransports } from '../../node/transports.js'
import { loadKeyFile } from '../../node/keyfile.js'
import { AtRestCipher } from '../../node/at-rest.js'
import { SqliteMessageStore } from '../../node/store/messages.js'
import { openDatabase } from '../../node/store/sqlite.js'
import { ApiClient } from '../../node/cli/client.js'
import { ferryNode } from './nodes.js'
import { percentile } from './index.js'
import type { Ferry, Identity, MessageRecord } from '../../protocol/index.js'
import type { Row } from './index.js'
import { heldIdentityKey } from '../../protocol/crypto/identity.js'

const BIN = join(import.meta.dirname, '..', '..', '..', 'node', 'bin', 'ferry.js')
const LINKS = 5
const HISTORY = 10_000
const FANOUT_MSGS = 300
const DEADLINE_MS = 120_000

function cli (args: string[]): { ms: number, stdout: string } {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`ferry ${args[0]} failed: ${r.stderr}`)
  return { ms, stdout: r.stdout }
}

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 0.5)

async function linkTimes (): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), 'ferry-bench-link-'))
  const dir = join(root, 'primary')
  cli(['init', '--name', 'primary', '--data-dir', dir])
  // 10,000 messages of history, written before the daemon starts
  const keys = await loadKeyFile(join(dir, 'identity.key'))
  const db = openDatabase(join(dir, 'ferry.db'))
  const now = Date.now()
  const history: MessageRecord[] = Array.from({ length: HISTORY }, (_, i) => ({ id: i.toString(16).padStart(32, '0'), peer: '12D3KooWBenchBenchBenchBenchBenchBenchBenchBench', direction: i % 2 === 0 ? 'in' : 'out', text: `message ${i} `.padEnd(100, 'x'), status: 'delivered', createdAt: now - HISTORY + i, expiresAt: now + 86_400_000, seq: 0, rev: 0 }))
  new SqliteMessageStore(db, new AtRestCipher(keys.storageKey)).restoreHistory(history)
  db.close()
  const daemon = spawn(process.execPath, [BIN, 'start', '--data-dir', dir, '--no-mdns', '--no-web', '--listen', '/ip4/127.0.0.1/tcp/0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  daemon.stdout.on('data', d => { log += String(d) })
  daemon.stderr.on('data', d => { log += String(d) })
  try {
    const deadline = Date.now() + 60_000
    let api: ApiClient | undefined
    while (api == null) {
      try {
        const client = new ApiClient(dir) // throws until the daemon wrote api.json
        await client.get('/v1/status')
        api = client
      } catch {
        if (Date.now() > deadline) throw new Error('the bench daemon did not start')
        await new Promise(resolve => setTimeout(resolve, 200))
      }
    }
    const plain: number[] = []
    const linked: number[] = []
    const withHistory: number[] = []
    for (let i = 0; i < LINKS; i++) plain.push(cli(['init', '--name', `plain ${i}`, '--data-dir', join(root, `plain-${i}`)]).ms)
    // 6 devices at most: revoke each linked one before the next
    for (let i = 0; i < LINKS * 2; i++) {
      const history = i % 2 === 1
      const { link } = await api.post<{ link: string }>('/v1/devices/link', history ? { historyMs: 86_400_000 } : {})
      const r = cli(['init', '--link', link, '--json', '--data-dir', join(root, `linked-${i}`)])
      const got = JSON.parse(r.stdout)
      if (got.messages !== (history ? HISTORY : 0)) throw new Error(`linked with ${got.messages as number} messages of history`)
      ;(history ? withHistory : linked).push(r.ms)
      await api.post('/v1/devices/revoke', { device: got.peerId }).catch((err: any) => { throw new Error(`${err.message as string}; daemon exit ${String(daemon.exitCode)} ${String(daemon.signalCode)}; log: ${log.slice(-2000)}`) })
    }
    return [
      { name: 'devices.link_ms', unit: 'ms', value: median(linked), baseline: median(plain), ratio: median(linked) / median(plain) },
      { name: `devices.link_history_${HISTORY}_ms`, unit: 'ms', value: median(withHistory), baseline: median(linked), ratio: median(withHistory) / median(linked) }
    ]
  } finally {
    daemon.kill('SIGTERM')
    await new Promise(resolve => daemon.once('exit', resolve))
    rmSync(root, { recursive: true, force: true })
  }
}

/** A device of `identityKey`'s person: production createFerry, memory stores, TCP loopback. */
async function device (identityKey: Identity['identityKey']): Promise<Ferry> {
  const deviceKey = await generateKeyPair('Ed25519')
  const ferry = await createFerry({ identity: { identityKey, deviceKey, deviceSignature: await certifyDevice(heldIdentityKey(identityKey), deviceKey) }, stores: memoryStores(), transports: nodeTransports(), crypto: nodeCrypto(), listen: ['/ip4/127.0.0.1/tcp/0'], dht: false, publishOnStart: false })
  await ferry.start()
  return ferry
}

async function fanout (): Promise<Row[]> {
  const receipts = new Map<string, number>()
  const sender = await ferryNode(['/ip4/127.0.0.1/tcp/0'], id => { receipts.set(id, (receipts.get(id) ?? 0) + 1) })
  const people: Record<string, Ferry[]> = { six: [], one: [] }
  try {
    for (const [name, n] of [['six', 6], ['one', 1]] as const) {
      const me = await createIdentity()
      for (let i = 0; i < n; i++) people[name].push(await device(me.identityKey))
      await sender.ferry.roster.add(name, people[name][0].addresses()[0])
      // each device says hello: the sender takes devices 2..n into the contact by their certificates
      for (const d of people[name]) {
        await d.roster.add('sender', sender.ferry.addresses()[0])
        for (let attempt = 1; ; attempt++) {
          try {
            await d.conversations.send('sender', 'hello')
            break
          } catch (err) {
            if (attempt >= 5) throw err // the first dial can race the sender's own dial to this device
            await new Promise(resolve => setTimeout(resolve, 500))
          }
        }
        const until = Date.now() + 30_000
        while ((await sender.ferry.conversations.history({ contact: name })).filter(m => m.direction === 'in').length < people[name].indexOf(d) + 1) {
          if (Date.now() > until) throw new Error(`the sender did not take ${name}'s device ${people[name].indexOf(d) + 1}`)
          await new Promise(resolve => setTimeout(resolve, 20))
        }
      }
      const contact = (await sender.ferry.roster.list()).find(c => c.name === name)
      if ((contact?.devices?.length ?? 0) !== n - 1) throw new Error(`${name} has ${contact?.devices?.length ?? 0} other devices at the sender`)
    }
    const rate = async (name: string, copies: number): Promise<number> => {
      const ids: string[] = []
      const t0 = performance.now()
      for (let i = 0; i < FANOUT_MSGS; i++) ids.push((await sender.ferry.conversations.send(name, 'x'.repeat(1024))).id)
      const deadline = Date.now() + DEADLINE_MS
      while (ids.some(id => (receipts.get(id) ?? 0) < copies)) {
        if (Date.now() > deadline) throw new Error(`${name}: not every device confirmed every message`)
        await new Promise(resolve => setTimeout(resolve, 5))
      }
      return FANOUT_MSGS / ((performance.now() - t0) / 1000)
    }
    await rate('one', 1) // warm-up
    const one = await rate('one', 1)
    const six = await rate('six', 6)
    return [{ name: 'devices.fanout_6.msgs_per_s', unit: 'msg/s', value: six, baseline: one, ratio: six / one }]
  } finally {
    await Promise.allSettled([...people.six, ...people.one].map(async f => f.stop()))
    await sender.close()
  }
}

export async function devicesBench (): Promise<Row[]> {
  return [...await linkTimes(), ...await fanout()]
}
