/**
 * One node's team rooms, kept in a RoomStore (protocol/stores/stores.ts). Every change to a room
 * goes through `act`, which writes the room's snapshot before it hands back what the action
 * produced (docs/groups.md: the caller writes the snapshot before sending what the last call
 * returned), so a crash after `act` returns never loses state whose bytes went out. Actions on
 * one room run one at a time; when the write fails the room goes back to the snapshot kept, so
 * memory and store never disagree. Pure: the store and the clock come in.
 */
import { equalBytes, toHex as hex } from '../util/bytes.js'
import { GroupError, MalformedOpError } from './errors.js'
import { Room } from './room.js'
import type { RoomHistoryEntry, RoomStore, StoredRoomHistoryEntry } from '../stores/stores.js'
import type { RoomInit } from './room.js'

/** A join or create of a room this node holds already (or keeps an unreadable snapshot of). */
export class RoomAlreadyHeldError extends GroupError {
  override name = 'RoomAlreadyHeldError'
}

/** An action on a room this node does not hold. */
export class UnknownRoomError extends GroupError {
  override name = 'UnknownRoomError'
}

/** A stored snapshot that did not restore: reported by `load`, left in the store. */
export interface UnreadableRoom {
  group: Uint8Array
  error: Error
}

export class Rooms {
  private readonly store: RoomStore
  private readonly init: RoomInit
  /** hex group id -> the room as last persisted (or being changed by the action running on it) */
  private readonly rooms = new Map<string, Room>()
  /** hex group id -> the end of that room's chain of actions */
  private readonly queues = new Map<string, Promise<void>>()

  constructor ({ store, init }: { store: RoomStore, init: RoomInit }) {
    this.store = store
    this.init = init
  }

  /**
   * Restore every stored room not held yet. A snapshot that does not read or restore is
   * reported and left in the store as it is (`forget` deletes it).
   *
   * @returns the rooms that did not restore, with why
   * @throws what the store's listRooms throws
   */
  async load (): Promise<UnreadableRoom[]> {
    const unreadable: UnreadableRoom[] = []
    for (const group of await this.store.listRooms()) {
      await this.serial(hex(group), async () => {
        if (this.rooms.has(hex(group))) return
        try {
          const bytes = await this.store.getRoom(group)
          if (bytes == null) return // deleted since it was listed
          const room = await Room.restore(this.init, bytes)
          if (!equalBytes(room.group, group)) throw new MalformedOpError('the snapshot kept under this group id is of another room')
          this.rooms.set(hex(group), room)
        } catch (err: any) {
          unreadable.push({ group, error: err instanceof Error ? err : new Error(String(err)) })
        }
      })
    }
    return unreadable
  }

  /**
   * Create a room with `members` besides us and keep it.
   *
   * @returns the room and the ops to send every member (kept before they are returned)
   * @throws what Room.create and the store's putRoom throw (TooManyRoomsError,
   *   RoomSnapshotTooLargeError): then nothing is kept or held
   */
  async create (name: string, members: Uint8Array[], expiresMs = 0): Promise<{ room: Room, ops: Uint8Array[] }> {
    const made = await Room.create(this.init, name, members, expiresMs)
    return await this.serial(hex(made.room.group), async () => {
      await this.keep(made.room)
      return made
    })
  }

  /**
   * Join a room we were told of, from its Create op (Room.fromRoot), and keep it.
   *
   * @throws RoomAlreadyHeldError when the room is held or a snapshot of it is kept (even one that
   *   did not restore: `forget` it first); what Room.fromRoot and putRoom throw
   */
  async join (rootBytes: Uint8Array): Promise<Room> {
    const room = await Room.fromRoot(this.init, rootBytes)
    return await this.serial(hex(room.group), async () => {
      if (this.rooms.has(hex(room.group)) || await this.store.getRoom(room.group) != null) {
        throw new RoomAlreadyHeldError(`already in room ${hex(room.group)}: it is joined once`)
      }
      await this.keep(room)
      return room
    })
  }

  /**
   * The room, to read (state, keyStatus, kept, summarize/answer in ferrying.ts). Change it only
   * through `act`, and do not keep the object across actions: a failed action replaces it.
   */
  get (group: Uint8Array): Room | undefined {
    return this.rooms.get(hex(group))
  }

  /** The room's history as kept (RoomStore.roomHistory). */
  async history (group: Uint8Array, options?: { afterSeq?: number, limit?: number }): Promise<StoredRoomHistoryEntry[]> {
    return await this.store.roomHistory(group, options)
  }

  /** Every room held, in group id order. */
  list (): Room[] {
    return [...this.rooms.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([, room]) => room)
  }

  /**
   * Run one action on a room (add, remove, update, change, leave, send, receive, or several) and
   * keep its snapshot before handing back what `fn` returned. Actions on one room run one at a
   * time, in call order. `fn` must not send anything itself: what it returns is what may go out.
   * What `fn` pushes into `history` (messages sent or opened, their delivery state) is written in
   * the same transaction as the snapshot. When `fn` throws or the write fails, the room goes back
   * to its kept snapshot and the error is thrown, so nothing the store lacks is handed out.
   *
   * @throws UnknownRoomError when the room is not held; what `fn` and putRoom throw
   */
  async act<T>(group: Uint8Array, fn: (room: Room, history: RoomHistoryEntry[]) => Promise<T> | T): Promise<T> {
    const key = hex(group)
    return await this.serial(key, async () => {
      const room = this.rooms.get(key)
      if (room == null) throw new UnknownRoomError(`no room ${key} is held`)
      let result: T
      const history: RoomHistoryEntry[] = []
      try {
        result = await fn(room, history)
        await this.store.putRoom(room.group, room.snapshot(), history)
      } catch (err) {
        await this.rollback(key, room)
        throw err
      }
      return result
    })
  }

  /** Delete the room from the store, then from memory (also a kept snapshot `load` could not read). */
  async forget (group: Uint8Array): Promise<void> {
    await this.serial(hex(group), async () => {
      await this.store.deleteRoom(group)
      this.rooms.delete(hex(group))
    })
  }

  /** Write a new room's first snapshot, then hold it. */
  private async keep (room: Room): Promise<void> {
    await this.store.putRoom(room.group, room.snapshot())
    this.rooms.set(hex(room.group), room)
  }

  /**
   * Put the room back as the store keeps it. When the room already matches, it stays; when the
   * kept snapshot cannot be read back, the room leaves memory (the store holds what is true, and
   * `load` brings it back).
   */
  private async rollback (key: string, room: Room): Promise<void> {
    try {
      const kept = await this.store.getRoom(room.group)
      if (kept == null) {
        this.rooms.delete(key)
        return
      }
      if (equalBytes(kept, room.snapshot())) return
      this.rooms.set(key, await Room.restore(this.init, kept))
    } catch {
      this.rooms.delete(key)
    }
  }

  /** Run `task` after every earlier task of the same room has finished, however it ended. */
  private async serial<T>(key: string, task: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(key) ?? Promise.resolve()).then(task)
    const tail = run.then(() => {}, () => {})
    this.queues.set(key, tail)
    void tail.then(() => { if (this.queues.get(key) === tail) this.queues.delete(key) })
    return await run
  }
}
