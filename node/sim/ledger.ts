/**
 * `ferry sim`: the per-message ledger and the checker.
 *
 * The ledger holds one record per planned message and folds the runners' `Observation`s into it.
 * All times are wall-clock ms since the run started, `expiresAt` included (runners convert).
 *
 * Definitions, used by `entries()` and `check()`:
 * - sent: the runner saw a 'sent' observation (the sender's node accepted the message).
 * - acknowledged: the sender got a custody receipt ('stored') or a delivery receipt ('delivered').
 * - received: the recipient's node stored a copy; each 'received' observation is one copy.
 * - expired: an 'expired' observation was seen, or `expiresAt <= endedAt`.
 * - lost: acknowledged, and the recipient never received it although its expiry passed by the end
 *   of the run or the run ended. An acknowledgement is a promise: once given, the message must
 *   reach the recipient while the run lasts (scenarios leave `traffic.quietMs` for the last ones).
 *   One exception: a disappearing message's receipts promise it only until its timer runs out, so
 *   one whose expiry passed on the recipient's clock with no copy received is 'expired', not lost
 *   (a host keeps mail until `expiresAt` and no longer; invariant 4).
 * - duplicated: received more than once.
 * - delivered after expiry: a copy stored when the recipient's own clock read later than
 *   `expiresAt` (received at + the recipient's clock offset > `expiresAt`).
 *
 * Clocks. `expiresAt` is the sender's stamp (its clock plus the timer), every other time is the
 * machine's clock. With `clockOffsets` (a node's clock runs that many ms ahead of the machine's)
 * expiry is judged as Ferry judges it, at each hop by that hop's own clock: the recipient stores a
 * copy only while its clock reads before `expiresAt`. A recipient whose clock is behind may so
 * store a copy after the sender's clock passed `expiresAt`, and one whose clock is ahead refuses it
 * earlier; neither is a failure. Without offsets every clock is the machine's.
 * - pending: sent, not acknowledged, not expired and not received at the end. Not a failure.
 * - not-sent: no 'sent' observation (the send failed, reported with its error, or was never made).
 *
 * Final outcome of a row, first rule that applies: received -> 'delivered'; not sent ->
 * 'not-sent'; acknowledged -> 'lost'; expired -> 'expired'; otherwise 'pending'.
 * The checker fails the run when any acknowledged message is lost, any message is received more
 * than once, or any is received after its expiry.
 *
 * Room messages. A room message is one row per (message, recipient): the recipients are those the
 * sender sealed it for, as its own history lists them at the send ('room-sent'); a room message not
 * sent has a row for each member the plan had in the room then. Receipts are per recipient, and
 * every rule above applies to each row (room messages always carry a timer, so they are judged as
 * disappearing ones). Besides:
 * - removed: a row that did not reach its recipient, where the recipient or the sender was out of
 *   the room when the message was sent or was removed after it. A removal overtakes what was
 *   still on its way: the removed member refuses a copy still waiting for it at a mailbox or with
 *   a teammate once it knows, and a member who holds the removal of the sender refuses what the
 *   sender wrote before it heard of it (docs/groups.md, "Remove wins for messages too"): not lost.
 * - delivered after removal: a copy opened by a node the sender did not seal the message for,
 *   and which had been removed from the room (and not added back) when the message was sent.
 * - unaddressed: any other copy opened by a node the sender did not seal the message for.
 * Final outcome of a room row, first rule that applies: received -> 'delivered'; not sent ->
 * 'not-sent'; removed -> 'removed'; then as a direct message's. The checker also fails the run
 * on any copy delivered after removal or unaddressed.
 */
import type { Observation, PlannedMessage, PlannedRoomMessage, RoomChange } from './types.js'

/** The final state of one planned message (or room message and recipient) at the end of a run. */
export type Outcome = 'delivered' | 'expired' | 'lost' | 'pending' | 'not-sent' | 'removed'

/** Everything observed about one planned message (times: wall ms since the run started). */
export interface MessageRecord extends PlannedMessage {
  sentAt?: number
  /** Ferry's message id */
  id?: string
  expiresAt?: number
  /** first custody receipt */
  storedAt?: number
  /** most mailboxes that acknowledged custody */
  mailboxes?: number
  /** first delivery receipt */
  deliveredAt?: number
  via?: 'direct' | 'mailbox'
  /** one entry per copy stored at the recipient, in the order observed */
  receivedAt: number[]
  readAt?: number
  expiredAt?: number
  sendError?: string
  /** a room message's row: the room (`to` is the recipient) */
  room?: string
}

/** What is known of one room message: the rows are made from it. */
interface RoomRecord {
  planned: PlannedRoomMessage
  sentAt?: number
  id?: string
  expiresAt?: number
  sendError?: string
  /** whom the sender sealed it for ('room-sent') */
  recipients?: string[]
  /** recipient -> its receipts */
  receipts: Map<string, Pick<MessageRecord, 'storedAt' | 'mailboxes' | 'deliveredAt' | 'via' | 'readAt'>>
  /** every copy opened, by whom */
  copies: Array<{ node: string, at: number }>
}

/** A copy of a room message opened by a node the sender did not seal it for. */
export interface StrayCopy {
  key: string
  room: string
  node: string
  at: number
  /** the node had been removed from the room (and not added back) when the message was sent */
  afterRemoval: boolean
}

/** A ledger row with its final outcome. */
export interface LedgerEntry extends MessageRecord {
  outcome: Outcome
}

/** When the run ended (wall ms since it started): expiries up to this instant have passed. */
export interface RunEnd {
  endedAt: number
}

/** An observation named a message the plan does not hold: a runner bug, never ignored. */
export class UnknownMessageError extends Error {
  constructor (key: string) {
    super(`observation for unknown message key "${key}"`)
    this.name = 'UnknownMessageError'
  }
}

/**
 * The per-message ledger of a run.
 *
 * @example
 * const ledger = new Ledger(plan.messages)
 * runner.on('observation', o => ledger.observe(o))
 * const rows = ledger.entries({ endedAt: 60_000 })
 */
export class Ledger {
  private readonly records = new Map<string, MessageRecord>()
  private readonly rooms = new Map<string, RoomRecord>()
  /** room -> its membership changes as applied, in order */
  private readonly changes = new Map<string, Array<{ change: 'remove' | 'add', node: string, at: number }>>()
  private readonly offsets: Readonly<Record<string, number>>

  /**
   * @param messages - the plan's messages, one record each, in this order
   * @param options.clockOffsets - ms each node's clock runs ahead of the machine's (Scenario.clockOffsets)
   * @throws {Error} when two messages share a key
   */
  constructor (messages: readonly PlannedMessage[], options: { clockOffsets?: Record<string, number>, roomMessages?: readonly PlannedRoomMessage[] } = {}) {
    this.offsets = { ...options.clockOffsets }
    for (const m of messages) {
      if (this.records.has(m.key)) throw new Error(`duplicate message key "${m.key}" in the plan`)
      this.records.set(m.key, { ...m, receivedAt: [] })
    }
    for (const m of options.roomMessages ?? []) {
      if (this.records.has(m.key) || this.rooms.has(m.key)) throw new Error(`duplicate message key "${m.key}" in the plan`)
      this.rooms.set(m.key, { planned: m, receipts: new Map(), copies: [] })
    }
  }

  /** How many ms `node`'s clock runs ahead of the machine's (0 unless the run skewed it). */
  clockOffset (node: string): number {
    return this.offsets[node] ?? 0
  }

  /** How many planned messages (direct and room) the ledger holds. */
  get size (): number {
    return this.records.size + this.rooms.size
  }

  /**
   * Record what a runner saw. The first 'sent', 'stored', 'delivered', 'read' and 'expired' of a
   * message set its time; later ones only raise the mailbox count. Every 'received' is a copy.
   *
   * @throws {UnknownMessageError} when `o.key` is not a planned message
   * @throws {TypeError} when `o.at` is not a finite number
   */
  observe (o: Observation): void {
    if (!Number.isFinite(o.at)) throw new TypeError(`"at" of a ${o.kind} observation for ${o.key} must be a finite number`)
    const room = this.rooms.get(o.key)
    if (room != null) return this.observeRoom(room, o)
    const r = this.records.get(o.key)
    if (r == null) throw new UnknownMessageError(o.key)
    switch (o.kind) {
      case 'room-sent':
        throw new TypeError(`a room-sent observation for ${o.key}, a direct message`)
      case 'sent':
        if (r.sentAt == null) { r.sentAt = o.at; r.id = o.id; r.expiresAt = o.expiresAt }
        break
      case 'send-failed':
        r.sendError ??= o.error
        break
      case 'stored':
        r.storedAt ??= o.at
        r.mailboxes = Math.max(r.mailboxes ?? 0, o.mailboxes)
        break
      case 'delivered':
        if (r.deliveredAt == null) { r.deliveredAt = o.at; r.via = o.via }
        break
      case 'received':
        r.receivedAt.push(o.at)
        break
      case 'read':
        r.readAt ??= o.at
        break
      case 'expired':
        r.expiredAt ??= o.at
        break
    }
  }

  /** Record a membership change the room's creator applied. */
  changed (c: RoomChange): void {
    if (!Number.isFinite(c.at)) throw new TypeError(`"at" of a room change of ${c.room} must be a finite number`)
    this.changes.set(c.room, [...this.changes.get(c.room) ?? [], { change: c.change, node: c.node, at: c.at }])
  }

  private observeRoom (r: RoomRecord, o: Observation): void {
    const receipts = (to: string | undefined): NonNullable<ReturnType<RoomRecord['receipts']['get']>> => {
      if (to == null) throw new TypeError(`a ${o.kind} observation for room message ${o.key} names no recipient`)
      const got = r.receipts.get(to) ?? {}
      r.receipts.set(to, got)
      return got
    }
    switch (o.kind) {
      case 'room-sent':
        if (r.sentAt == null) { r.sentAt = o.at; r.id = o.id; r.expiresAt = o.expiresAt; r.recipients = [...o.recipients] }
        break
      case 'sent':
        throw new TypeError(`a sent observation for ${o.key}, a room message (room-sent)`)
      case 'send-failed':
        r.sendError ??= o.error
        break
      case 'stored': {
        const got = receipts(o.to)
        got.storedAt ??= o.at
        got.mailboxes = Math.max(got.mailboxes ?? 0, o.mailboxes)
        break
      }
      case 'delivered': {
        const got = receipts(o.to)
        if (got.deliveredAt == null) { got.deliveredAt = o.at; got.via = o.via }
        break
      }
      case 'read':
        receipts(o.to).readAt ??= o.at
        break
      case 'received':
        r.copies.push({ node: o.node, at: o.at })
        break
      case 'expired':
        break
    }
  }

  /** Whether `node` was out of `room` at `at` by the changes applied (its last change by then was a removal). */
  private outAt (room: string, node: string, at: number): boolean {
    let out = false
    for (const c of this.changes.get(room) ?? []) if (c.node === node && c.at <= at) out = c.change === 'remove'
    return out
  }

  /** Whether a removal of `node` from `room` overtakes a message sent at `at`: it was out then, or was removed later. */
  private overtaken (room: string, node: string, at: number): boolean {
    return this.outAt(room, node, at) || (this.changes.get(room) ?? []).some(c => c.node === node && c.change === 'remove' && c.at >= at)
  }

  /**
   * One row per planned direct message, in plan order, then one per (room message, recipient) in
   * key order, each with its final outcome (see the file header).
   *
   * @param end - when the run ended; decides which expiries have passed
   */
  entries (end: RunEnd): LedgerEntry[] {
    const direct = [...this.records.values()].map(r => ({ ...r, receivedAt: [...r.receivedAt], outcome: outcomeOf(r, end.endedAt, this.clockOffset(r.to)) }))
    const rooms = [...this.rooms.values()].flatMap(r => {
      const p = r.planned
      return (r.recipients ?? p.plannedTo).map((to): LedgerEntry => {
        const { key, at, from, size, ttlMs, room } = p
        const row: MessageRecord = {
          ...{ key, at, from, to, size, ttlMs, disappearing: true, room },
          receivedAt: r.copies.filter(c => c.node === to).map(c => c.at),
          ...(r.sentAt == null ? {} : { sentAt: r.sentAt, id: r.id, expiresAt: r.expiresAt }),
          ...(r.sendError == null ? {} : { sendError: r.sendError }),
          ...r.receipts.get(to)
        }
        const sentAt = row.sentAt
        const removed = row.receivedAt.length === 0 && sentAt != null && (this.overtaken(room, to, sentAt) || this.overtaken(room, from, sentAt))
        return { ...row, outcome: removed ? 'removed' : outcomeOf(row, end.endedAt, this.clockOffset(to)) }
      })
    })
    return [...direct, ...rooms]
  }

  /** Copies of room messages opened by nodes the sender did not seal them for (see the file header). */
  strays (): StrayCopy[] {
    const out: StrayCopy[] = []
    for (const r of this.rooms.values()) {
      const sealedFor = new Set(r.recipients ?? [])
      for (const c of r.copies) {
        if (sealedFor.has(c.node)) continue
        const sentAt = r.sentAt ?? r.planned.at
        out.push({ key: r.planned.key, room: r.planned.room, node: c.node, at: c.at, afterRemoval: this.outAt(r.planned.room, c.node, sentAt) })
      }
    }
    return out
  }
}

/** The sender holds a custody or delivery receipt. */
export function acknowledged (r: MessageRecord): boolean {
  return r.storedAt != null || r.deliveredAt != null
}

/**
 * Its expiry was observed, or its expiry passed by `endedAt` on the recipient's clock.
 *
 * @param recipientOffset - ms the recipient's clock runs ahead of the machine's
 */
export function expiredBy (r: MessageRecord, endedAt: number, recipientOffset = 0): boolean {
  return r.expiredAt != null || expiredForRecipient(r, endedAt, recipientOffset)
}

/** Its expiry passed by `endedAt` (machine clock) on the recipient's clock. */
function expiredForRecipient (r: MessageRecord, endedAt: number, recipientOffset: number): boolean {
  return r.expiresAt != null && r.expiresAt - recipientOffset <= endedAt
}

/** The first copy's arrival, if any. */
export function firstReceived (r: MessageRecord): number | undefined {
  return r.receivedAt.length === 0 ? undefined : Math.min(...r.receivedAt)
}

function outcomeOf (r: MessageRecord, endedAt: number, recipientOffset: number): Outcome {
  if (r.receivedAt.length > 0) return 'delivered'
  if (r.sentAt == null) return 'not-sent'
  if (acknowledged(r)) return r.disappearing && expiredForRecipient(r, endedAt, recipientOffset) ? 'expired' : 'lost'
  if (expiredBy(r, endedAt, recipientOffset)) return 'expired'
  return 'pending'
}

/** The checker's judgement of a run. */
export interface Verdict {
  /** false when a message is lost, duplicated or delivered after expiry */
  ok: boolean
  /** at most `MAX_FAILURES` examples, each naming the message key and what went wrong */
  failures: string[]
  /** acknowledged messages never received */
  lost: number
  /** messages received more than once */
  duplicated: number
  /** messages with a copy received after `expiresAt` */
  deliveredAfterExpiry: number
  /** copies of room messages opened by a node removed before they were sent */
  deliveredAfterRemoval: number
  /** other copies of room messages opened by a node they were not sealed for */
  unaddressed: number
}

/** How many failure examples a verdict lists. */
export const MAX_FAILURES = 20

/**
 * Judge a run: fail it when an acknowledged message is lost, a message is received twice, or a
 * message is received after its expiry (on the recipient's clock).
 *
 * @param ledger - the run's ledger
 * @param end - when the run ended
 * @example
 * const verdict = check(ledger, { endedAt: 60_000 })
 * if (!verdict.ok) console.error(verdict.failures.join('\n'))
 */
export function check (ledger: Ledger, end: RunEnd): Verdict {
  const failures: string[] = []
  const fail = (text: string): void => { if (failures.length < MAX_FAILURES) failures.push(text) }
  let lost = 0
  let duplicated = 0
  let deliveredAfterExpiry = 0
  for (const e of ledger.entries(end)) {
    const name = `${e.key} (${e.from} -> ${e.room == null ? '' : `${e.room}: `}${e.to})`
    if (e.outcome === 'lost') {
      lost++
      const receipt = e.storedAt != null ? `stored at ${e.mailboxes ?? 0} mailbox(es) at ${e.storedAt} ms` : `delivery receipt (${e.via ?? '?'}) at ${e.deliveredAt ?? '?'} ms`
      const until = expiredBy(e, end.endedAt, ledger.clockOffset(e.to)) ? `expired at ${e.expiredAt ?? e.expiresAt} ms` : `run ended at ${end.endedAt} ms`
      fail(`${name}: lost: acknowledged (${receipt}) but never received; ${until}`)
    }
    if (e.receivedAt.length > 1) {
      duplicated++
      fail(`${name}: duplicated: received ${e.receivedAt.length} times (at ${e.receivedAt.join(', ')} ms)`)
    }
    // judged on the recipient's own clock, as the recipient judges it
    const offset = ledger.clockOffset(e.to)
    const late = e.expiresAt == null ? [] : e.receivedAt.filter(t => t + offset > (e.expiresAt as number))
    if (late.length > 0) {
      deliveredAfterExpiry++
      const clock = offset === 0 ? '' : ` (${late[0] + offset} ms on ${e.to}'s clock)`
      fail(`${name}: delivered after expiry: received at ${late[0]} ms${clock}, expired at ${e.expiresAt} ms`)
    }
  }
  let deliveredAfterRemoval = 0
  let unaddressed = 0
  for (const s of ledger.strays()) {
    if (s.afterRemoval) deliveredAfterRemoval++
    else unaddressed++
    fail(`${s.key} (room ${s.room}): ${s.afterRemoval ? 'delivered after removal' : 'unaddressed'}: opened by ${s.node} at ${s.at} ms, which the sender did not seal it for${s.afterRemoval ? ' (removed from the room before it was sent)' : ''}`)
  }
  const ok = lost === 0 && duplicated === 0 && deliveredAfterExpiry === 0 && deliveredAfterRemoval === 0 && unaddressed === 0
  return { ok, failures, lost, duplicated, deliveredAfterExpiry, deliveredAfterRemoval, unaddressed }
}
