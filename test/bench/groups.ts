/**
 * Team room benchmarks at 100 members, in one process with the node:crypto backend (node/crypto.ts):
 * real Rooms (protocol/groups/room.ts), real signatures, real key agreement, real AEAD, the bytes
 * handed from room to room by this file.
 *
 * What this measures, honestly: the work of sealing, signing, verifying and opening, and the key
 * operations with the answers they cost. Delivery of group traffic to members over the wire (the
 * group service, mailboxes, ferrying on connect) is not built yet (docs/groups.md, Status), so
 * none of these rows include a hand-off, a network or a store.
 *
 * - send: Room.send of 1 KiB, sealed once under the sender's message key and signed, for all 99
 *   others. Baseline in the same run: the same 1 KiB sealed with ratchetEncrypt on 99 Double Ratchet
 *   sessions, one per member pair, i.e. the sealing 99 DMs would cost. Those are steady-state sends
 *   (symmetric chain steps, no DH ratchet step, no signature: a DM is authenticated by its session),
 *   so the baseline is the cheapest the DMs could be, and the ratio (group / DMs) is conservative.
 * - open: one member's Room.receive of one such message (signature check + decrypt).
 * - update / remove: the author's Room.update() / Room.remove(member) (a); one member taking it in
 *   and producing its answer (b, the median over every member and iteration); one member taking in
 *   everyone else's answers (c: 98 for an update, 97 for a removal; the author takes in one more).
 *   `*_ms` = a + (members who answer) × b, the whole room's work done one after another; in reality
 *   members work in parallel, so `*_member_ms` = b + c is what each member does. `*_bytes` = the
 *   author's ops plus every answer.
 *   Every iteration starts from the same settled room (every member restored from its snapshot,
 *   untimed), so each update and each removal is one at exactly 100 members.
 *
 * Every loop is bounded in count and in time, and checks its results (throws on a mismatch).
 */
import { initiate, respond } from '../../protocol/crypto/pqxdh.js'
import { createBundle, generatePrekeys } from '../../protocol/crypto/prekeys.js'
import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { initReceiver, initSender, ratchetDecrypt, ratchetEncrypt } from '../../protocol/crypto/ratchet.js'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { Room } from '../../protocol/groups/room.js'
import { nodeCrypto } from '../../node/crypto.js'
import { Team } from '../protocol/room-team.js'
import type { RatchetState } from '../../protocol/crypto/ratchet.js'
import type { Person } from '../protocol/room-team.js'
import type { RoomChanges } from '../../protocol/groups/room.js'
import type { Row } from './index.js'

const MEMBERS = 100
/** send/open: at most this many messages or MSG_MAX_MS, after MSG_WARMUP */
const MSG_MAX = 200
const MSG_MAX_MS = 5000
const MSG_WARMUP = 20
/**
 * update/remove: at most this many iterations or KEY_MAX_MS (restores included), at least one. An
 * iteration restores all 100 rooms (about 70 ms each, mostly verifying every op again), so (a) and
 * (c) are also taken REPEAT times per iteration on fresh copies of the author and of member 1.
 */
const KEY_MAX = 20
const KEY_MAX_MS = 30_000
const REPEAT = 4
const PLAINTEXT = new Uint8Array(1024).map((_, i) => i & 0xff)

const crypto = nodeCrypto()

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

function median (xs: number[]): number {
  const sorted = [...xs].sort((x, y) => x - y)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const bytesOf = (xs: Uint8Array[]): number => xs.reduce((n, x) => n + x.byteLength, 0)

/** Time one call in ms. */
async function timed<T> (f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now()
  const r = await f()
  return [r, performance.now() - t0]
}

function clean (who: string, changes: RoomChanges): void {
  if (changes.refused.length > 0) throw new Error(`bench: ${who} refused ${changes.refused.length}: ${changes.refused[0].error.message}`)
  if (changes.missing.length > 0) throw new Error(`bench: ${who} misses ${changes.missing.length} ops`)
}

interface Settled { team: Team, people: Person[], rooms: Room[], snapshots: Uint8Array[] }

/**
 * One admin creates the room with the 99 others; each of them takes in the create and acks; then
 * every member takes in every ack. At the end all 100 hold the keys and the same membership.
 */
async function settledRoom (): Promise<Settled> {
  const team = new Team()
  const people: Person[] = []
  for (let i = 0; i < MEMBERS; i++) people.push(await team.person(`m${i}`))
  const [admin, ...others] = people
  const made = await Room.create(team.init(admin), 'bench', others.map(p => p.id))
  const rooms = [made.room]
  for (const p of others) rooms.push(await Room.fromRoot(team.init(p), made.ops[0]))
  const acks: Uint8Array[] = []
  for (let i = 1; i < MEMBERS; i++) {
    const changes = await rooms[i].receive(made.ops)
    clean(people[i].name, changes)
    if (changes.ops.length !== 1) throw new Error(`bench: ${people[i].name} answered the create with ${changes.ops.length} ops`)
    acks.push(...changes.ops)
  }
  for (let i = 0; i < MEMBERS; i++) {
    const changes = await rooms[i].receive(acks)
    clean(people[i].name, changes)
    if (changes.ops.length !== 0) throw new Error(`bench: ${people[i].name} answered the acks`)
  }
  const epoch = rooms[0].state().epoch
  for (let i = 0; i < MEMBERS; i++) {
    if (rooms[i].keyStatus !== 'member') throw new Error(`bench: ${people[i].name} is not in the keys`)
    const s = rooms[i].state()
    if (s.members.length !== MEMBERS || s.epoch !== epoch) throw new Error(`bench: ${people[i].name} sees another room`)
  }
  return { team, people, rooms, snapshots: rooms.map(r => r.snapshot()) }
}

/** Member 0 sends 1 KiB messages, member 1 opens them: median ms of each, and the message size. */
async function sendOpen (rooms: Room[]): Promise<{ send: number, open: number, bytes: number }> {
  const [author, reader] = rooms
  const sends: number[] = []
  const opens: number[] = []
  const sizes: number[] = []
  let bytes = 0
  const t0 = performance.now()
  for (let i = 0; i < MSG_WARMUP + MSG_MAX && performance.now() - t0 < MSG_MAX_MS; i++) {
    const [sent, sendMs] = await timed(async () => await author.send(PLAINTEXT))
    const [got, openMs] = await timed(async () => await reader.receive([], [sent.bytes]))
    clean('the reader', got)
    if (got.messages.length !== 1 || got.messages[0].id !== sent.id || !equalBytes(got.messages[0].plaintext, PLAINTEXT)) {
      throw new Error(`bench: group message ${i} opened to something else`)
    }
    // the message number is a varint: the size may grow by a byte as it does
    if (bytes !== 0 && Math.abs(bytes - sent.bytes.byteLength) > 4) throw new Error(`bench: group messages of the same text are ${bytes} and ${sent.bytes.byteLength} bytes`)
    bytes = sent.bytes.byteLength
    if (i >= MSG_WARMUP) {
      sends.push(sendMs)
      opens.push(openMs)
      sizes.push(bytes)
    }
  }
  if (sends.length === 0) throw new Error('bench: no group message measured within the time bound')
  return { send: median(sends), open: median(opens), bytes: median(sizes) }
}

/**
 * The DM baseline: one sender's Double Ratchet sessions with 99 others, set up as in crypto.ts
 * (PQXDH from each one's bundle, then initSender/initReceiver); per iteration the same 1 KiB is
 * ratchetEncrypt-ed once on every session (timed), then decrypted on the far side (checked).
 */
async function dmBaseline (): Promise<number> {
  const alice = await createIdentity()
  const aliceStore = new MemoryPrekeyStore()
  await generatePrekeys(crypto, alice, aliceStore, { oneTime: 0 })
  const aliceDh = await aliceStore.identityDh()
  if (aliceDh == null) throw new Error('bench: no identity DH key after generatePrekeys')
  const sessions: Array<{ send: RatchetState, receive: RatchetState, ad: Uint8Array }> = []
  for (let i = 1; i < MEMBERS; i++) {
    const bob = await createIdentity()
    const bobStore = new MemoryPrekeyStore()
    await generatePrekeys(crypto, bob, bobStore, { oneTime: 0 })
    const bundle = await createBundle(crypto, bob, bobStore, { withOneTime: false })
    const a = await initiate(crypto, alice, aliceDh, bundle)
    const b = await respond(crypto, bob, bobStore, a.initial)
    if (!equalBytes(a.sharedKey, b.sharedKey) || !equalBytes(a.associatedData, b.associatedData)) throw new Error('bench: PQXDH sides disagree on SK or AD')
    sessions.push({ send: await initSender(crypto, a.sharedKey, a.remoteRatchetKey), receive: await initReceiver(crypto, b.sharedKey, b.ratchetKeyPair), ad: a.associatedData })
  }
  const runs: number[] = []
  const t0 = performance.now()
  for (let i = 0; i < MSG_WARMUP + MSG_MAX && performance.now() - t0 < MSG_MAX_MS; i++) {
    const [sealed, ms] = await timed(async () => {
      const out = []
      for (const s of sessions) {
        const r = await ratchetEncrypt(crypto, s.send, PLAINTEXT, s.ad)
        s.send = r.state
        out.push(r)
      }
      return out
    })
    for (let k = 0; k < sessions.length; k++) {
      const s = sessions[k]
      const got = await ratchetDecrypt(crypto, s.receive, sealed[k].header, sealed[k].ciphertext, s.ad)
      s.receive = got.state
      if (!equalBytes(got.plaintext, PLAINTEXT)) throw new Error(`bench: DM ${k} of round ${i} decrypted to other bytes`)
    }
    if (i >= MSG_WARMUP) runs.push(ms)
  }
  if (runs.length === 0) throw new Error('bench: no DM round measured within the time bound')
  return median(runs)
}

interface KeyCost { a: number, b: number, c: number, bytes: number, answering: number }

/**
 * An update by member 0, or its removal of the last member, from the settled room, repeated. Member
 * 1 is the one whose taking-in of everyone else's answers is timed (c).
 */
async function keyChange (s: Settled, kind: 'update' | 'remove'): Promise<KeyCost> {
  const as: number[] = []
  const bs: number[] = []
  const cs: number[] = []
  let bytes = 0
  let answering = 0
  let lastOps: Uint8Array[] = []
  const victim = MEMBERS - 1
  const t0 = performance.now()
  let n = 0
  for (; n < KEY_MAX && (n === 0 || performance.now() - t0 < KEY_MAX_MS); n++) {
    const rooms: Room[] = []
    for (let i = 0; i < MEMBERS; i++) rooms.push(await Room.restore(s.team.init(s.people[i]), s.snapshots[i]))
    const change = async (author: Room): Promise<Uint8Array[]> => kind === 'update' ? await author.update() : await author.remove(s.people[victim].id)
    const [ops, a] = await timed(async () => await change(rooms[0]))
    as.push(a)
    // more samples of (a) from fresh copies of the author (what they make is not used)
    for (let r = 1; r < REPEAT; r++) {
      const again = await Room.restore(s.team.init(s.people[0]), s.snapshots[0])
      const [more, ms] = await timed(async () => await change(again))
      if (more.length !== ops.length) throw new Error(`bench: a repeated ${kind} made ${more.length} ops, the first ${ops.length}`)
      as.push(ms)
    }
    const answers: Uint8Array[] = []
    let mine: Uint8Array | undefined
    for (let i = 1; i < MEMBERS; i++) {
      if (kind === 'remove' && i === victim) continue
      const [changes, b] = await timed(async () => await rooms[i].receive(ops))
      bs.push(b)
      clean(s.people[i].name, changes)
      if (changes.ops.length !== 1) throw new Error(`bench: ${s.people[i].name} answered the ${kind} with ${changes.ops.length} ops`)
      answers.push(changes.ops[0])
      if (i === 1) mine = changes.ops[0]
    }
    const others = answers.filter(x => x !== mine)
    // (c) on member 1, then on fresh copies of member 1 as it was before (more samples)
    const before = rooms[1].snapshot()
    for (let r = 0; r < REPEAT; r++) {
      const reader = r === 0 ? rooms[1] : await Room.restore(s.team.init(s.people[1]), before)
      const [taken, c] = await timed(async () => await reader.receive(others))
      cs.push(c)
      clean(s.people[1].name, taken)
      if (taken.ops.length !== 0) throw new Error(`bench: ${s.people[1].name} answered the answers`)
    }
    const size = bytesOf(ops) + bytesOf(answers)
    if (bytes !== 0 && Math.abs(size - bytes) > 64 * answers.length) throw new Error(`bench: the ${kind} cost ${size} bytes, an earlier one ${bytes}`)
    bytes = size
    answering = answers.length
    lastOps = ops

    // the result: member 1 opens what the author sends now; after a removal, the removed member
    // has wiped its keys and member 1's room is one member smaller
    const sent = await rooms[0].send(PLAINTEXT)
    const got = await rooms[1].receive([], [sent.bytes])
    clean(s.people[1].name, got)
    if (got.messages.length !== 1 || !equalBytes(got.messages[0].plaintext, PLAINTEXT)) throw new Error(`bench: after the ${kind}, the message opened to something else`)
    if (kind === 'remove') {
      const removed = await rooms[victim].receive(ops)
      if (rooms[victim].keyStatus !== 'removed' || removed.messages.length !== 0) throw new Error('bench: the removed member still holds its keys')
      if (rooms[1].state().members.length !== MEMBERS - 1) throw new Error('bench: the removal did not shrink the room')
    }
  }
  process.stderr.write(`groups: ${kind} over ${n} iterations in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
    `a = ${median(as).toFixed(1)} ms (${as.length} samples), b = ${median(bs).toFixed(2)} ms (${bs.length}), c = ${median(cs).toFixed(1)} ms (${cs.length}), ` +
    `${answering} answers, ${bytesOf(lastOps)} B of the author's ops + ${bytes - bytesOf(lastOps)} B of answers\n`)
  return { a: median(as), b: median(bs), c: median(cs), bytes, answering }
}

/** The group rows (see the top of this file). */
export async function groupsBench (): Promise<Row[]> {
  const t0 = performance.now()
  const s = await settledRoom()
  const setupS = (performance.now() - t0) / 1000
  process.stderr.write(`groups: a settled room of ${MEMBERS} members took ${setupS.toFixed(1)} s to build\n`)

  const msg = await sendOpen(s.rooms)
  const dm = await dmBaseline()
  process.stderr.write(`groups: send ${msg.send.toFixed(3)} ms, open ${msg.open.toFixed(3)} ms, 99 DM seals ${dm.toFixed(3)} ms\n`)
  const update = await keyChange(s, 'update')
  const remove = await keyChange(s, 'remove')
  process.stderr.write(`groups: the group section took ${((performance.now() - t0) / 1000).toFixed(1)} s in all\n`)

  const n = MEMBERS
  return [
    // ratio: one group message against sealing the same text as 99 DMs (target <= 0.2)
    { name: `group.${n}.send_ms`, unit: 'ms', value: msg.send, baseline: dm, ratio: msg.send / dm },
    { name: `group.${n}.bytes_per_msg`, unit: 'B', value: msg.bytes },
    { name: `group.${n}.open_ms`, unit: 'ms', value: msg.open },
    // the whole room's work one step after another; members work in parallel (the _member_ rows)
    { name: `group.${n}.update_ms`, unit: 'ms', value: update.a + update.answering * update.b },
    { name: `group.${n}.update_member_ms`, unit: 'ms', value: update.b + update.c },
    { name: `group.${n}.update_bytes`, unit: 'B', value: update.bytes },
    { name: `group.${n}.remove_ms`, unit: 'ms', value: remove.a + remove.answering * remove.b },
    { name: `group.${n}.remove_member_ms`, unit: 'ms', value: remove.b + remove.c },
    { name: `group.${n}.remove_bytes`, unit: 'B', value: remove.bytes }
  ]
}
