/**
 * The sim driver: plays a Plan against nodes it reaches only through a
 * `NodeControl` — the control API of a daemon (processes, netns) or its in-process equivalent,
 * the Ferry API — so the same driver runs against daemons anywhere. It sends the planned messages
 * and applies the timeline at their scaled times, and watches every node's message changes to
 * report what happened to each message (types.ts Observation).
 */
import type { GroupMessage } from '../../protocol/groups/history.js'
import type { Observation, Plan, PlannedEvent, RoomChange, PlannedMessage, PlannedRoomChange, PlannedRoomMessage, Scenario } from './types.js'

/** A message as a node's store (or its API) reports it. */
export interface MessageChange {
  id: string
  direction: 'in' | 'out'
  text: string
  status: string
  rev: number
  /** custody receipts held (status 'stored') */
  mailboxes: number
  /** wall-clock ms (Date.now()) */
  deliveredAt?: number
  expiresAt: number
}

/** One entry of a room's history as a node holds it. */
export interface RoomEntry {
  /** the room id */
  group: string
  id: string
  direction: 'in' | 'out'
  text: string
  /** wall-clock ms (Date.now()) the copy was opened (or, outgoing, sent) */
  receivedAt: number
  /** outgoing: every member it was sealed for, by node name, and how far it got */
  recipients: Array<{ node: string, state: 'queued' | 'stored' | 'delivered' | 'read' }>
}

/** A room message as the Ferry API shows it (groups.messages), with its members named by node. */
export function roomEntry (m: GroupMessage, nodeOf: (identity: string) => string): RoomEntry {
  return { group: m.group, id: m.id, direction: m.direction, text: m.text, receivedAt: m.receivedAt, recipients: (m.members ?? []).map(x => ({ node: nodeOf(x.identity), state: x.state })) }
}

/** What the driver may do with one node's team rooms; members are named as the node's contacts. */
export interface RoomControl {
  /** make a room of these contacts; resolves with its id */
  create(name: string, members: string[]): Promise<string>
  admin(group: string, member: string): Promise<void>
  add(group: string, member: string): Promise<void>
  remove(group: string, member: string): Promise<void>
  /** true when the node holds the room with its keys; else what it holds (its key status, or the error) */
  joined(group: string): Promise<true | string>
  send(group: string, text: string, ttlMs: number): Promise<{ id: string, expiresAt: number, recipients: string[] }>
  /** every entry of every room the node holds (readable while it is stopped) */
  history(): Promise<RoomEntry[]>
}

/** What the driver may do with one node. */
export interface NodeControl {
  /** team rooms, where the mode has them (in-process) */
  readonly rooms?: RoomControl
  readonly name: string
  running(): boolean
  start(): Promise<void>
  /** a clean stop */
  stop(): Promise<void>
  /** an unclean end (a process is killed; in one process, the same as stop) */
  crash(): Promise<void>
  invite(): Promise<string>
  addContact(name: string, invite: string): Promise<void>
  hostMailbox(owner: string): Promise<void>
  useMailboxes(hosts: string[]): Promise<void>
  /** queue a message; `ttlMs` makes it disappearing */
  send(to: string, text: string, ttlMs?: number): Promise<{ id: string, expiresAt: number }>
  /** messages changed after a rev (readable while stopped where the platform allows: undefined when not) */
  changes(afterRev: number): Promise<MessageChange[] | undefined>
  /** re-dial contacts and flush the outbox (after a heal) */
  resume(): Promise<void>
}

/** How partitions and link shapes are applied: by the network, not by the nodes. */
export interface NetworkControl {
  /** cut `side` off from the rest; returns why not when the mode cannot */
  partition(side: string[]): Promise<string | undefined | void>
  heal(): Promise<string | undefined | void>
  /** change links; returns why not when the mode cannot */
  shape(nodes: string[], link: NonNullable<PlannedEvent['link']>): Promise<string | undefined>
}

export interface DriverHooks {
  observe(o: Observation): void
  /** a room membership change was applied */
  roomChange?(c: RoomChange): void
  event?(e: PlannedEvent, wallAt: number, note?: string): void
  progress?(done: number, total: number): void
  /** acknowledged messages not yet received at wall ms `at` (the drain waits for them) */
  outstanding?(at: number): number
}

/** How often every node's changes are read (wall ms). */
export const WATCH_MS = 250

/** Room histories are read in full, so every this many looks (once a second) rather than at each. */
const ROOM_WATCH_TICKS = 4

/** How often the drain checks whether every acknowledged message has arrived (wall ms). */
const DRAIN_CHECK_MS = 1_000

/** The text a planned message carries: its key first, so the recipient side can be matched. */
export function messageText (m: PlannedMessage): string {
  const head = `${m.key} ${m.from}>${m.to} `
  return head + 'x'.repeat(Math.max(0, m.size - head.length))
}

/** The text a planned room message carries: its key first, as a direct message's. */
export function roomMessageText (m: PlannedRoomMessage): string {
  const head = `${m.key} ${m.from}>${m.room} `
  return head + 'x'.repeat(Math.max(0, m.size - head.length))
}

/** The plan key of a received text. */
export function keyOfText (text: string): string {
  return text.split(' ', 1)[0]
}

/**
 * Make the planned contacts, mailbox agreements and rooms (nodes must be running).
 * @returns room name -> room id
 */
export async function connect (plan: Plan, nodes: Map<string, NodeControl>, log: (line: string) => void = () => {}): Promise<Map<string, string>> {
  const node = (name: string): NodeControl => nodes.get(name) as NodeControl
  const invites = new Map<string, string>()
  await inBatches([...nodes.values()], async n => { invites.set(n.name, await n.invite()) })
  const began = Date.now()
  const contacts = progress('contacts', 'pairs', plan.contacts.length, began, log)
  await inBatches(plan.contacts, async ([a, b]) => {
    await node(a).addContact(b, invites.get(b) as string)
    await node(b).addContact(a, invites.get(a) as string)
    contacts()
  })
  const owners = Object.entries(plan.mailboxes).filter(([, hosts]) => hosts.length > 0)
  const agreements = progress('mailbox agreements', 'owners', owners.length, began, log)
  await inBatches(owners, async ([owner, hosts]) => {
    for (const h of hosts) await node(h).hostMailbox(owner)
    await node(owner).useMailboxes(hosts)
    agreements()
  })
  log(`contacts and mailbox agreements made in ${((Date.now() - began) / 1000).toFixed(0)} s`)
  return await makeRooms(plan, nodes, log)
}

/** How long the set-up waits for every member to hold each room with its keys (wall ms). */
const ROOM_JOIN_MS = 60_000

/**
 * Make the planned rooms: the creator makes each with its members and promotes its admins, then
 * every member is waited for until it holds the room with its keys (up to ROOM_JOIN_MS).
 * @returns room name -> room id
 * @throws Error when a node has no room controls, or a member never joins
 */
async function makeRooms (plan: Plan, nodes: Map<string, NodeControl>, log: (line: string) => void): Promise<Map<string, string>> {
  const ids = new Map<string, string>()
  if ((plan.rooms ?? []).length === 0) return ids
  const began = Date.now()
  const controls = (name: string): RoomControl => {
    const rooms = nodes.get(name)?.rooms
    if (rooms == null) throw new Error(`node ${name} has no room controls in this mode`)
    return rooms
  }
  for (const room of plan.rooms ?? []) {
    const creator = controls(room.members[0])
    const id = await creator.create(room.name, room.members.slice(1))
    for (const admin of room.admins.slice(1)) await creator.admin(id, admin)
    ids.set(room.name, id)
    log(`room ${room.name} made by ${room.members[0]} with ${room.admins.length} admin(s) in ${((Date.now() - began) / 1000).toFixed(1)} s`)
  }
  for (const room of plan.rooms ?? []) {
    const id = ids.get(room.name) as string
    for (const member of room.members) {
      let joined: true | string
      while ((joined = await controls(member).joined(id)) !== true) {
        if (Date.now() - began > ROOM_JOIN_MS) throw new Error(`${member} did not join room ${room.name} within ${ROOM_JOIN_MS / 1000} s of its creation (last seen: ${joined})`)
        await sleep(200)
      }
    }
  }
  log(`${ids.size} room(s) made and joined by every member in ${((Date.now() - began) / 1000).toFixed(1)} s`)
  return ids
}

/** A step counter that logs every tenth of `total` and the last step, for set-ups of 1,000 steps or more. */
function progress (what: string, unit: string, total: number, began: number, log: (line: string) => void): () => void {
  let done = 0
  let told = 0
  return () => {
    if ((++done >= told + total / 10 || done === total) && total >= 1000) {
      told = done
      log(`${what}: ${done}/${total} ${unit} in ${((Date.now() - began) / 1000).toFixed(0)} s`)
    }
  }
}

export class Driver {
  private readonly revs = new Map<string, number>()
  private readonly keyOf = new Map<string, string>()
  private readonly stored = new Set<string>()
  private readonly seen = new Set<string>()
  /** every (node, id, rev) the changes feed reported */
  private readonly reported = new Set<string>()
  /**
   * Rows a node's changes feed (`changes(afterRev)`) never reported although their rev was at or
   * below what it had reported since: found by the full read at the end (audit). A missed row is a
   * bug in that node, not in the run: it is counted from the full read and listed here.
   */
  readonly missedByFeed: Array<{ node: string, id: string, rev: number, direction: 'in' | 'out', status: string }> = []
  private started = 0
  /** the furthest behind its plan a step began (wall ms): the machine could not keep up */
  lateMs = 0
  /** wall ms the run went on after its end while acknowledged messages were on their way */
  drainedMs = 0

  /** room message id -> plan key (ids are unique per sender; a room id is in the entry too) */
  private readonly roomKeyOf = new Map<string, string>()
  /** room receipts and copies reported: `key:recipient:state` and `copy:node:id:receivedAt` */
  private readonly roomSeen = new Set<string>()

  /** @param roomIds room name -> room id, as connect() made them */
  constructor (private readonly scenario: Scenario, private readonly plan: Plan, private readonly nodes: Map<string, NodeControl>, private readonly network: NetworkControl, private readonly hooks: DriverHooks, private readonly roomIds = new Map<string, string>()) {}

  /** wall ms since play() began */
  now (): number {
    return Date.now() - this.started
  }

  /** Play the whole plan; resolves at the scenario's (scaled) end with the wall time taken. */
  async play (): Promise<number> {
    this.started = Date.now()
    const scale = this.scenario.timeScale
    // events first at equal times, and each awaited: a message planned after a restart is sent by
    // a node that is up, whatever the restart cost — so the same seed sends the same messages
    const steps = [
      ...this.plan.events.map(e => ({ wall: e.at / scale, event: true, run: async () => this.apply(e) })),
      ...(this.plan.roomChanges ?? []).map(c => ({ wall: c.at / scale, event: true, run: async () => this.change(c) })),
      ...this.plan.messages.map(m => ({ wall: m.at / scale, event: false, run: async () => this.send(m) })),
      ...(this.plan.roomMessages ?? []).map(m => ({ wall: m.at / scale, event: false, run: async () => this.sendToRoom(m) }))
    ].sort((a, b) => a.wall - b.wall || Number(b.event) - Number(a.event))
    let watching: Promise<void> | undefined
    let ticks = 0
    const watch = setInterval(() => { watching ??= this.look(++ticks % ROOM_WATCH_TICKS === 0).finally(() => { watching = undefined }) }, WATCH_MS)
    try {
      const pending: Array<Promise<void>> = []
      let done = 0
      let late = 0
      for (const s of steps) {
        const wait = s.wall - this.now()
        if (wait > 0) await sleep(wait)
        late = Math.max(0, this.now() - s.wall)
        this.lateMs = Math.max(this.lateMs, late)
        const step = s.run().finally(() => this.hooks.progress?.(++done, steps.length))
        if (s.event) await step
        else pending.push(step)
      }
      await Promise.allSettled(pending)
      // a run that fell behind keeps its quiet tail: the end moves as late as the last step ran
      const end = this.scenario.durationMs / scale + late
      if (end > this.now()) await sleep(end - this.now())
      await this.drain()
    } finally {
      clearInterval(watch)
      await watching
      await this.look(true)
      await this.audit()
    }
    return this.now()
  }

  /** Go on for up to `drainMs` (wall) while acknowledged messages have not arrived; the watch keeps looking. */
  private async drain (): Promise<void> {
    const began = this.now()
    const limit = began + (this.scenario.drainMs ?? 0)
    let waited = false
    while (this.now() < limit && (this.hooks.outstanding?.(this.now()) ?? 0) > 0) {
      waited = true
      await sleep(Math.min(DRAIN_CHECK_MS, limit - this.now()))
    }
    // a run that did not wait drained for 0 ms, however long the checks took on a busy machine
    this.drainedMs = waited ? this.now() - began : 0
  }

  private async apply (e: PlannedEvent): Promise<void> {
    const nodes = e.nodes.map(n => this.nodes.get(n)).filter((n): n is NodeControl => n != null)
    const wall = this.now()
    let note: string | undefined
    switch (e.kind) {
      case 'leave': await settle(nodes.filter(n => n.running()).map(async n => n.stop())); break
      case 'crash': await settle(nodes.filter(n => n.running()).map(async n => n.crash())); break
      case 'join': case 'restart': case 'resume': await settle(nodes.filter(n => !n.running()).map(async n => n.start())); break
      case 'sleep':
        await settle(nodes.filter(n => n.running()).map(async n => n.stop()))
        setTimeout(() => { void settle(nodes.filter(n => !n.running()).map(async n => n.start())) }, (e.forMs ?? 0) / this.scenario.timeScale)
        break
      case 'partition': note = await this.network.partition(e.nodes) ?? undefined; break
      case 'heal':
        note = await this.network.heal() ?? undefined
        await settle([...this.nodes.values()].filter(n => n.running()).map(async n => n.resume()))
        break
      case 'shape': note = await this.network.shape(e.nodes, e.link ?? {}); break
    }
    this.hooks.event?.(e, wall, note)
  }

  private async send (m: PlannedMessage): Promise<void> {
    const from = this.nodes.get(m.from)
    if (from == null || !from.running()) {
      this.hooks.observe({ kind: 'send-failed', key: m.key, at: this.now(), error: `${m.from} is offline` })
      return
    }
    try {
      const sent = await from.send(m.to, messageText(m), m.disappearing ? m.ttlMs : undefined)
      this.keyOf.set(sent.id, m.key)
      // the sender's stamp, on its own clock: the ledger judges expiry per clock
      this.hooks.observe({ kind: 'sent', key: m.key, at: this.now(), id: sent.id, expiresAt: sent.expiresAt - this.started })
    } catch (err: any) {
      this.hooks.observe({ kind: 'send-failed', key: m.key, at: this.now(), error: err.message })
    }
  }

  /** A membership change, made by the room's creator; not made (and noted) when the creator is down. */
  private async change (c: PlannedRoomChange): Promise<void> {
    const room = this.plan.rooms?.find(r => r.name === c.room)
    const creator = room == null ? undefined : this.nodes.get(room.members[0])
    const id = this.roomIds.get(c.room)
    const describe: PlannedEvent = { at: c.at, kind: c.kind, nodes: [c.node], room: c.room }
    const wall = this.now()
    if (creator?.rooms == null || id == null || !creator.running()) {
      this.hooks.event?.(describe, wall, `skipped: the room's creator ${room?.members[0] ?? '?'} is not running`)
      return
    }
    try {
      if (c.kind === 'room-remove') await creator.rooms.remove(id, c.node)
      else await creator.rooms.add(id, c.node)
      this.hooks.roomChange?.({ change: c.kind === 'room-remove' ? 'remove' : 'add', room: c.room, node: c.node, at: this.now() })
      this.hooks.event?.(describe, wall)
    } catch (err: any) {
      this.hooks.event?.(describe, wall, `failed: ${String(err.message)}`)
    }
  }

  private async sendToRoom (m: PlannedRoomMessage): Promise<void> {
    const from = this.nodes.get(m.from)
    const id = this.roomIds.get(m.room)
    if (from?.rooms == null || id == null || !from.running()) {
      this.hooks.observe({ kind: 'send-failed', key: m.key, at: this.now(), error: `${m.from} is offline` })
      return
    }
    // sent when the send began: a room send resolves after it has handed the message to the members
    // it reaches at once, so some may open it before it resolves
    const at = this.now()
    try {
      const sent = await from.rooms.send(id, roomMessageText(m), m.ttlMs)
      this.roomKeyOf.set(`${m.from}:${sent.id}`, m.key)
      this.hooks.observe({ kind: 'room-sent', key: m.key, at, id: sent.id, expiresAt: sent.expiresAt - this.started, recipients: sent.recipients })
    } catch (err: any) {
      this.hooks.observe({ kind: 'send-failed', key: m.key, at: this.now(), error: err.message })
    }
  }

  /** Read every node's room histories and report new copies and receipts. */
  private async lookAtRooms (): Promise<void> {
    await Promise.all([...this.nodes.values()].map(async n => {
      for (const e of await n.rooms?.history().catch(() => []) ?? []) {
        if (e.direction === 'in') {
          const copy = `copy:${n.name}:${e.id}:${e.receivedAt}`
          if (this.roomSeen.has(copy)) continue
          this.roomSeen.add(copy)
          this.hooks.observe({ kind: 'received', key: keyOfText(e.text), at: this.wallOf(n.name, e.receivedAt), node: n.name })
          continue
        }
        const key = this.roomKeyOf.get(`${n.name}:${e.id}`)
        if (key == null) continue
        for (const r of e.recipients) {
          if (r.state === 'queued') continue
          if (!this.roomSeen.has(`${key}:${r.node}:stored`) && r.state === 'stored') {
            this.roomSeen.add(`${key}:${r.node}:stored`)
            this.hooks.observe({ kind: 'stored', key, at: this.now(), mailboxes: 1, to: r.node })
          } else if (r.state !== 'stored' && !this.roomSeen.has(`${key}:${r.node}:delivered`)) {
            this.roomSeen.add(`${key}:${r.node}:delivered`)
            // a recipient stored at a mailbox first counts as delivered via the mailbox
            this.hooks.observe({ kind: 'delivered', key, at: this.now(), via: this.roomSeen.has(`${key}:${r.node}:stored`) ? 'mailbox' : 'direct', to: r.node })
          }
        }
      }
    }))
  }

  /** Read every node's changes since the last look and report them; with `rooms`, the room histories too. */
  async look (rooms = false): Promise<void> {
    if (rooms && this.roomIds.size > 0) await this.lookAtRooms()
    await Promise.all([...this.nodes.values()].map(async n => {
      const changes = await n.changes(this.revs.get(n.name) ?? 0).catch(() => undefined)
      for (const c of changes ?? []) {
        this.revs.set(n.name, Math.max(this.revs.get(n.name) ?? 0, c.rev))
        this.reported.add(`${n.name}:${c.id}:${c.rev}`)
        this.record(n.name, c)
      }
    }))
  }

  /**
   * Read every running node's messages in full (changes after rev 0) and compare with what its
   * changes feed reported: a row at or below the feed's last rev that it never reported is listed
   * in `missedByFeed`, and counted (a received copy, a delivery) as the full read shows it.
   */
  private async audit (): Promise<void> {
    await Promise.all([...this.nodes.values()].map(async n => {
      const rows = await n.changes(0).catch(() => undefined)
      const cursor = this.revs.get(n.name) ?? 0
      for (const c of rows ?? []) {
        if (c.rev <= cursor && !this.reported.has(`${n.name}:${c.id}:${c.rev}`)) this.missedByFeed.push({ node: n.name, id: c.id, rev: c.rev, direction: c.direction, status: c.status })
        this.record(n.name, c)
      }
    }))
  }

  /**
   * A time a node reported (its own clock) as wall ms since the run started (the machine's clock):
   * a node whose clock runs ahead (Scenario.clockOffsets) reports times that much later.
   */
  private wallOf (node: string, reported: number | undefined): number {
    return reported == null ? this.now() : reported - (this.scenario.clockOffsets?.[node] ?? 0) - this.started
  }

  private record (node: string, c: MessageChange): void {
    const at = this.now()
    if (c.direction === 'in') {
      // one stored copy is one row and its deliveredAt: the same id stored again (after the row
      // was deleted) is a second copy, a status change of the same row is not
      const copy = `in:${node}:${c.id}:${c.deliveredAt ?? ''}`
      if (this.seen.has(copy)) return
      this.seen.add(copy)
      this.hooks.observe({ kind: 'received', key: keyOfText(c.text), at: this.wallOf(node, c.deliveredAt), node })
      return
    }
    const key = this.keyOf.get(c.id)
    if (key == null || this.seen.has(key)) return
    if (c.status === 'stored' && !this.stored.has(key)) {
      this.stored.add(key)
      this.hooks.observe({ kind: 'stored', key, at, mailboxes: c.mailboxes })
    } else if (c.status === 'delivered' || c.status === 'read') {
      this.seen.add(key)
      // a message that was stored at a mailbox first counts as delivered via the mailbox
      this.hooks.observe({ kind: 'delivered', key, at: this.wallOf(node, c.deliveredAt), via: this.stored.has(key) ? 'mailbox' : 'direct' })
    } else if (c.status === 'expired') {
      this.seen.add(key)
      this.hooks.observe({ kind: 'expired', key, at })
    }
  }
}

async function settle (work: Array<Promise<unknown>>): Promise<void> {
  await Promise.allSettled(work)
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

const BATCH = 25

/**
 * Run `fn` over `items`, at most BATCH at once: the next starts as soon as one ends (in fixed
 * batches one slow contact dial held up the 24 others of its batch).
 */
export async function inBatches<T> (items: T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => { while (next < items.length) await fn(items[next++]) }
  await Promise.all(Array.from({ length: Math.min(BATCH, items.length) }, worker))
}
