/**
 * Rooms: a node's team rooms kept in a RoomStore (protocol/groups/rooms.ts). Real rooms, real
 * stores (in memory, and SQLite sealed at rest): rooms survive a restart with nothing opened
 * twice, every action's snapshot is written before its result is handed back, a failed write
 * rolls the room back, actions on one room never interleave, an unreadable snapshot is reported
 * and kept, and a room is joined once.
 */
import assert from 'node:assert/strict'
import { Room } from '../../protocol/groups/room.js'
import { Rooms, RoomAlreadyHeldError, UnknownRoomError } from '../../protocol/groups/rooms.js'
import { MalformedOpError } from '../../protocol/groups/errors.js'
import { MemoryRoomStore } from '../../protocol/stores/memory/rooms.js'
import { RoomSnapshotTooLargeError } from '../../protocol/errors.js'
import { toHex } from '../../protocol/util/bytes.js'
import { AtRestCipher } from '../../node/at-rest.js'
import { SqliteRoomStore } from '../../node/store/rooms.js'
import { TempDatabases } from '../node/temp-databases.js'
import { td, te, Team } from './room-team.js'
import type { Person } from './room-team.js'
import type { RoomHistoryEntry, RoomStore, StoredRoomHistoryEntry } from '../../protocol/stores/stores.js'

/** One person's node: its store, its Rooms, and the texts it opened ("sender: text"). */
interface Node {
  p: Person
  store: RoomStore
  rooms: Rooms
  got: string[]
}

/** A RoomStore that hands every call to `inner`, after `before` (to record, delay or fail). */
class Wrapped implements RoomStore {
  constructor (readonly inner: RoomStore, readonly before: (call: string) => Promise<void> | void) {}
  async putRoom (group: Uint8Array, snapshot: Uint8Array, history?: RoomHistoryEntry[]): Promise<void> {
    await this.before('put')
    return await this.inner.putRoom(group, snapshot, history)
  }

  async getRoom (group: Uint8Array): Promise<Uint8Array | undefined> { return await this.inner.getRoom(group) }
  async listRooms (): Promise<Uint8Array[]> { return await this.inner.listRooms() }
  async deleteRoom (group: Uint8Array): Promise<void> { return await this.inner.deleteRoom(group) }
  async roomHistory (group: Uint8Array, options?: { afterSeq?: number, limit?: number }): Promise<StoredRoomHistoryEntry[]> { return await this.inner.roomHistory(group, options) }
  async sweepRoomHistory (now: number): Promise<number> { return await this.inner.sweepRoomHistory(now) }
  async nextRoomHistoryExpiry (): Promise<number | undefined> { return await this.inner.nextRoomHistoryExpiry() }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** A team of nodes, each with a Rooms over its own store, and every byte any of them sent. */
class Net {
  readonly t = new Team()
  readonly nodes: Node[] = []

  async node (name: string, store: RoomStore): Promise<Node> {
    const p = await this.t.person(name)
    const n = { p, store, rooms: new Rooms({ store, init: this.t.init(p) }), got: [] }
    this.nodes.push(n)
    return n
  }

  /** A fresh Rooms over `store` for `n`, as after a restart; what it reports unreadable. */
  async restart (n: Node, store = n.store): Promise<unknown[]> {
    n.store = store
    n.rooms = new Rooms({ store, init: this.t.init(n.p) })
    return await n.rooms.load()
  }

  async deliver (n: Node, group: Uint8Array): Promise<void> {
    const changes = await n.rooms.act(group, async room => await room.receive([...this.t.ops], [...this.t.messages]))
    this.t.sent(changes.ops)
    n.got.push(...changes.messages.map(m => `${this.t.nameOf(m.sender)}: ${td.decode(m.plaintext)}`))
  }

  async settle (group: Uint8Array): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const before = this.t.ops.length + this.t.messages.length
      for (const n of this.nodes) await this.deliver(n, group)
      if (this.t.ops.length + this.t.messages.length === before) return
    }
    throw new Error('the team never settled')
  }

  async send (n: Node, group: Uint8Array, text: string): Promise<string> {
    const { id, bytes } = await n.rooms.act(group, async room => await room.send(te.encode(text)))
    this.t.sent([], bytes)
    return id
  }

  /** alice creates a room with bob and carol; they join; everyone is in the keys. */
  async team (stores: RoomStore[]): Promise<{ group: Uint8Array, root: Uint8Array, a: Node, b: Node, c: Node }> {
    const [a, b, c] = [await this.node('alice', stores[0]), await this.node('bob', stores[1]), await this.node('carol', stores[2])]
    const { room, ops } = await a.rooms.create('ops', [b.p.id, c.p.id])
    this.t.sent(ops)
    for (const n of [b, c]) await n.rooms.join(ops[0])
    await this.settle(room.group)
    for (const n of [a, b, c]) assert.equal(n.rooms.get(room.group)?.keyStatus, 'member', `${n.p.name} is in the keys`)
    return { group: room.group, root: ops[0], a, b, c }
  }
}

const sorted = (xs: string[]): string[] => [...xs].sort()

describe('team rooms kept in a RoomStore: Rooms', function () {
  this.timeout(120_000)
  const temp = new TempDatabases()
  afterEach(async () => { await temp.cleanup() })

  /** Three members talk, restart from their stores, and talk on: each message opens once. */
  async function survivesRestart (first: RoomStore[], reopen: () => Promise<RoomStore[]>): Promise<void> {
    const net = new Net()
    const { group, a, b, c } = await net.team(first)
    for (const n of [a, b, c]) await net.send(n, group, `${n.p.name} before`)
    await net.settle(group)
    const before = [a, b, c].map(n => sorted(n.got))
    assert.deepEqual(before[0], ['bob: bob before', 'carol: carol before'])

    const again = await reopen()
    for (const [i, n] of [a, b, c].entries()) {
      assert.deepEqual(await net.restart(n, again[i]), [], `${n.p.name}'s room restores`)
      assert.deepEqual(n.rooms.list().map(r => toHex(r.group)), [toHex(group)])
      assert.equal(n.rooms.get(group)?.keyStatus, 'member')
    }
    // everything ever sent, handed to everyone again: nothing opens twice
    await net.settle(group)
    assert.deepEqual([a, b, c].map(n => sorted(n.got)), before, 'nothing opened twice after the restart')
    for (const n of [a, b, c]) await net.send(n, group, `${n.p.name} after`)
    await net.settle(group)
    for (const n of [a, b, c]) {
      const others = [a, b, c].filter(o => o !== n).map(o => o.p.name)
      assert.deepEqual(sorted(n.got), sorted(others.flatMap(o => [`${o}: ${o} before`, `${o}: ${o} after`])), `${n.p.name} got each message once`)
    }
  }

  it('three members in memory stores: after a restart from the stores messages flow both ways and nothing opens twice', async () => {
    const stores = [new MemoryRoomStore(), new MemoryRoomStore(), new MemoryRoomStore()]
    await survivesRestart(stores, async () => stores)
  })

  it('three members in SQLite stores sealed at rest: the same across closing and reopening the databases', async () => {
    const paths = [await temp.path(), await temp.path(), await temp.path()]
    const ciphers = paths.map(() => new AtRestCipher(AtRestCipher.generateKey()))
    const open = (): RoomStore[] => paths.map((path, i) => new SqliteRoomStore(temp.open(path), ciphers[i]))
    await survivesRestart(open(), async () => {
      for (const db of temp.opened.splice(0)) db.close()
      return open()
    })
  })

  it('writes the snapshot before it hands back what the action produced', async () => {
    const net = new Net()
    let release = (): void => {}
    let gated = false
    const gate = new Promise<void>(resolve => { release = resolve })
    const events: string[] = []
    const inner = new MemoryRoomStore()
    const store = new Wrapped(inner, async () => {
      events.push('put')
      if (gated) await gate
    })
    const { group, a } = await net.team([store, new MemoryRoomStore(), new MemoryRoomStore()])
    events.length = 0
    gated = true
    let returned = false
    const sending = a.rooms.act(group, async room => await room.send(te.encode('kept first'))).then(r => { returned = true; events.push('returned'); return r })
    while (events.length === 0) await sleep(1)
    await sleep(20)
    assert.equal(returned, false, 'nothing is handed back while the write is pending')
    release()
    const { id } = await sending
    assert.deepEqual(events, ['put', 'returned'])
    // what was handed out is in the store: a crash now loses nothing
    const kept = await Room.restore(net.t.init(a.p), await inner.getRoom(group) as Uint8Array)
    assert.ok(kept.kept.has(id), 'the stored snapshot holds the message sent')
  })

  it('rolls the room back when the write fails, and a retry works', async () => {
    const net = new Net()
    let fail = false
    const inner = new MemoryRoomStore()
    const store = new Wrapped(inner, () => {
      if (!fail) return
      fail = false
      throw new RoomSnapshotTooLargeError('refused once')
    })
    const { group, a, b } = await net.team([store, new MemoryRoomStore(), new MemoryRoomStore()])
    const storedBefore = await inner.getRoom(group) as Uint8Array

    fail = true
    await assert.rejects(a.rooms.act(group, async room => await room.send(te.encode('lost'))), RoomSnapshotTooLargeError)
    const room = a.rooms.get(group) as Room
    assert.deepEqual(room.snapshot(), storedBefore, 'memory is what the store keeps')
    assert.equal(room.kept.size, 0, 'the unsent message is gone')

    fail = true
    await assert.rejects(a.rooms.act(group, async room => await room.change({ kind: 'rename', name: 'renamed' })), RoomSnapshotTooLargeError)
    assert.equal(a.rooms.get(group)?.state().name, 'ops', 'the rename was rolled back')
    assert.deepEqual(a.rooms.get(group)?.snapshot(), storedBefore)

    // an action that throws half-way is undone too
    await assert.rejects(a.rooms.act(group, async room => { await room.send(te.encode('half')); throw new Error('caller failed') }), /caller failed/)
    assert.equal(a.rooms.get(group)?.kept.size, 0)

    // retries go through, and reach bob (the rolled-back ratchet steps were never handed out)
    net.t.sent(await a.rooms.act(group, async room => await room.change({ kind: 'rename', name: 'renamed' })))
    await net.send(a, group, 'again')
    await net.settle(group)
    assert.deepEqual(b.got, ['alice: again'])
    assert.equal(b.rooms.get(group)?.state().name, 'renamed')
    assert.deepEqual(a.rooms.get(group)?.snapshot(), await inner.getRoom(group))
  })

  it('runs actions on one room one at a time, even when the store is slow', async () => {
    const net = new Net()
    const events: string[] = []
    const slow = new Wrapped(new MemoryRoomStore(), async () => {
      events.push('put start')
      await sleep(50)
      events.push('put end')
    })
    const { group, a, b } = await net.team([slow, new MemoryRoomStore(), new MemoryRoomStore()])
    events.length = 0
    const action = (name: string) => async (room: Room) => {
      events.push(`${name} start`)
      await sleep(10)
      const sent = await room.send(te.encode(name))
      events.push(`${name} end`)
      return sent
    }
    const [one, two] = await Promise.all([a.rooms.act(group, action('one')), a.rooms.act(group, action('two'))])
    assert.deepEqual(events, ['one start', 'one end', 'put start', 'put end', 'two start', 'two end', 'put start', 'put end'])
    net.t.sent([], one.bytes)
    net.t.sent([], two.bytes)
    await net.settle(group)
    assert.deepEqual(b.got, ['alice: one', 'alice: two'])
    // a failed action does not stop the ones queued after it
    const failing = a.rooms.act(group, () => { throw new Error('no') })
    const after = a.rooms.act(group, room => room.state().name)
    await assert.rejects(failing, /no/)
    assert.equal(await after, 'ops')
  })

  it('reports a snapshot that does not restore, keeps it in the store, and loads the rest', async () => {
    const net = new Net()
    const store = new MemoryRoomStore()
    const { group: good, a } = await net.team([store, new MemoryRoomStore(), new MemoryRoomStore()])
    const { room: other, ops } = await a.rooms.create('other', [])
    const garbage = Uint8Array.of(0xff, 0xff, 0xff, 1, 2, 3)
    await store.putRoom(other.group, garbage)

    const unreadable = await net.restart(a) as Array<{ group: Uint8Array, error: Error }>
    assert.equal(unreadable.length, 1)
    assert.deepEqual(unreadable[0].group, other.group)
    assert.ok(unreadable[0].error instanceof MalformedOpError, String(unreadable[0].error))
    assert.deepEqual(await store.getRoom(other.group), garbage, 'left in the store untouched')
    assert.deepEqual(a.rooms.list().map(r => toHex(r.group)), [toHex(good)])
    assert.equal(a.rooms.get(other.group), undefined)
    await assert.rejects(a.rooms.act(other.group, room => room.state()), UnknownRoomError)
    await assert.rejects(a.rooms.join(ops[0]), RoomAlreadyHeldError, 'its kept snapshot is not overwritten by a join')
    // a snapshot kept under another room's id is refused as well
    await store.putRoom(other.group, await store.getRoom(good) as Uint8Array)
    assert.match(String(((await net.restart(a)) as Array<{ error: Error }>)[0].error), /another room/)

    await a.rooms.forget(other.group)
    assert.deepEqual((await store.listRooms()).map(toHex), [toHex(good)])
    assert.deepEqual(await net.restart(a), [])
  })

  it('refuses to join a room twice, before and after a restart', async () => {
    const net = new Net()
    const { group, root, b } = await net.team([new MemoryRoomStore(), new MemoryRoomStore(), new MemoryRoomStore()])
    const held = b.rooms.get(group)
    await assert.rejects(b.rooms.join(root), (err: Error) => err instanceof RoomAlreadyHeldError && /already in room/.test(err.message))
    assert.equal(b.rooms.get(group), held, 'the room held is untouched')
    await net.restart(b)
    await assert.rejects(b.rooms.join(root), RoomAlreadyHeldError)
    // two joins at once: one wins
    const fresh = await net.node('dave', new MemoryRoomStore())
    const results = await Promise.allSettled([fresh.rooms.join(root), fresh.rooms.join(root)])
    assert.deepEqual(results.map(r => r.status).sort(), ['fulfilled', 'rejected'])
    // forgotten, it can be joined again
    await b.rooms.forget(group)
    assert.equal(b.rooms.get(group), undefined)
    assert.deepEqual(await b.store.listRooms(), [])
    await b.rooms.join(root)
  })
})
