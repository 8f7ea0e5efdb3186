/**
 * `ferry sim`: the shapes shared by the scenario parser, the timeline, the runners and
 * the ledger. A scenario (JSON or YAML) is validated into a `Scenario`; `plan(scenario, seed)`
 * expands it into a deterministic `Plan` (the same seed gives the same events and the same
 * messages); a runner plays the plan against production Ferry nodes and reports `Observation`s;
 * the ledger turns those into per-message records, the checker's verdict and results.json.
 */

/** Where the nodes run. */
export type SimMode = 'inprocess' | 'processes' | 'netns'

/** A role changes what a node does: hosts keep mail for others, churny nodes go offline. */
export type NodeRole = 'mailbox-host' | 'always-on' | 'churny'

export interface NodeGroup {
  /** group name; nodes are named `<group>-<index>` from 0 */
  name: string
  count: number
  roles: NodeRole[]
  /** for 'churny': the share of the run each node spends offline, 0..1 (in windows) */
  offlineFraction?: number
  /** for 'churny': how long one offline window lasts, ms (before time scaling) */
  offlineWindowMs?: number
}

/** Who knows whom: every node in a team knows every other, or each node knows k random others. */
export type ContactGraph = { kind: 'teams', size: number } | { kind: 'random', k: number }

export interface Traffic {
  /** messages per second across the whole network */
  rate: number
  /** text sizes in bytes, picked uniformly */
  sizes: number[]
  /** time to live of each message, ms (default: Ferry's 7 days) */
  ttlMs?: number
  /** share of messages sent as disappearing, 0..1 (their ttlMs is the timer) */
  disappearing?: number
  /** timers for disappearing messages, each message picking one uniformly (instead of `ttlMs`) */
  disappearingTtlsMs?: number[]
  /** stop sending this long before the end, so the last messages can arrive (ms) */
  quietMs?: number
}

/** A link's shape (netem in netns mode; latency only in process modes). */
export interface LinkShape { delayMs?: number, jitterMs?: number, lossPct?: number, rateKbit?: number }

export type EventKind = 'join' | 'leave' | 'crash' | 'restart' | 'partition' | 'heal' | 'sleep' | 'resume' | 'shape' | RoomChangeKind

/** Room membership changes: planned from a room's `removals`, never written as scenario events. */
export type RoomChangeKind = 'room-remove' | 'room-add'

/** A timeline entry as written in the scenario. */
export interface ScenarioEvent {
  /** when, ms after the start (before time scaling) */
  at: number
  kind: EventKind
  /** node names or group names; for 'partition': the side cut off from the rest */
  nodes?: string[]
  /** for 'shape' */
  link?: LinkShape
  /** for 'sleep': how long */
  forMs?: number
}

export interface Scenario {
  name: string
  description?: string
  mode: SimMode
  /** ms of simulated time (before time scaling) */
  durationMs: number
  /** wall time = scenario time / timeScale (2: twice as fast); timers inside Ferry are not scaled */
  timeScale: number
  seed: number
  groups: NodeGroup[]
  contacts: ContactGraph
  traffic: Traffic
  /** initial link shape for every node */
  link?: LinkShape
  events: ScenarioEvent[]
  /** mailbox replication k for senders (default 2) */
  replication?: number
  /**
   * connections each node keeps open at most (default: Ferry's 200). In a network of hundreds
   * every DHT lookup leaves connections open; above this libp2p closes the least valued (DHT
   * neighbours before contacts). In-process mode only.
   */
  maxConnections?: number
  /**
   * wall ms the run may go on after its end, while acknowledged messages are still on their way
   * (in a mailbox or an outbox): it ends as soon as every one has arrived, or expired. Default 0.
   * For worlds the machine cannot play in real time (scale-1000), where mailbox collection lags.
   */
  drainMs?: number
  /**
   * ms each named node's realtime clock runs ahead of the machine's (negative: behind), for the
   * whole run: what `Date.now()` returns in that node's daemon (node/sim/clock.ts, libfaketime).
   * Daemon modes only (netns, processes). The driver converts the times a node reports back to the
   * machine's clock, and the checker judges expiry on the clock of the node that stored the copy.
   */
  clockOffsets?: Record<string, number>
  /** team rooms and their traffic (node/sim/rooms.ts); every mode but remote agents */
  rooms?: RoomSpec[]
}

/**
 * Team rooms of a scenario. One entry makes one room, or with `size` a room for each run of
 * `size` consecutive members (`<name>-0`, `<name>-1`, …, as contacts.teams cuts teams). A room's
 * first member creates it and is its admin; the next `admins - 1` are promoted.
 */
export interface RoomSpec {
  name: string
  /** node or group names, in order: the members of the room (or of all its rooms, with `size`) */
  members: string[]
  /** cut the members into rooms of this many */
  size?: number
  /** admins per room, the creator included (default 1) */
  admins?: number
  /** messages per second in each room, senders drawn uniformly from its members at the time */
  rate: number
  /** text sizes in bytes (default traffic.sizes) */
  sizes?: number[]
  /** each message's timer, ms (default traffic.ttlMs, then Ferry's 7 days) */
  ttlMs?: number
  /** membership churn: this many removals per room, each by the creator at a seeded time in the first 70% of the run */
  removals?: number
  /** a removed member is added back this long after its removal (default: never) */
  readdAfterMs?: number
}

/** One event of the expanded timeline: churn windows become leave/restart pairs here. */
export interface PlannedEvent {
  /** ms after start, scenario time */
  at: number
  kind: EventKind
  nodes: string[]
  link?: LinkShape
  forMs?: number
  /** for a room change: the room */
  room?: string
}

/** One message the plan will send. */
export interface PlannedMessage {
  /** plan-local id: 'm<seq>' */
  key: string
  at: number
  from: string
  to: string
  size: number
  ttlMs: number
  disappearing: boolean
}

/** A room as planned: `members[0]` creates it; `admins` are its first members. */
export interface PlannedRoom {
  name: string
  members: string[]
  admins: string[]
}

/** A membership change the plan makes, by the room's creator. */
export interface PlannedRoomChange {
  at: number
  kind: RoomChangeKind
  room: string
  node: string
}

/** One message the plan will send to a room. */
export interface PlannedRoomMessage {
  /** plan-local id: 'r<seq>' */
  key: string
  at: number
  from: string
  room: string
  /** the room's other members at `at` by the plan (the sender's view decides who it is sealed for) */
  plannedTo: string[]
  size: number
  ttlMs: number
}

export interface Plan {
  nodes: Array<{ name: string, group: string, roles: NodeRole[] }>
  /** contact pairs (both directions exist) */
  contacts: Array<[string, string]>
  /** each node's mailbox hosts (nodes with role mailbox-host it knows), in order */
  mailboxes: Record<string, string[]>
  events: PlannedEvent[]
  messages: PlannedMessage[]
  /** present when the scenario declares rooms */
  rooms?: PlannedRoom[]
  roomChanges?: PlannedRoomChange[]
  roomMessages?: PlannedRoomMessage[]
}

/**
 * What a runner saw happen to a message (wall-clock ms since the run started). For a room message
 * `to` names the recipient a receipt is about, and 'room-sent' lists whom the sender sealed it for.
 */
export type Observation =
  | { kind: 'sent', key: string, at: number, id: string, expiresAt: number }
  | { kind: 'room-sent', key: string, at: number, id: string, expiresAt: number, recipients: string[] }
  | { kind: 'send-failed', key: string, at: number, error: string }
  | { kind: 'stored', key: string, at: number, mailboxes: number, to?: string }
  | { kind: 'delivered', key: string, at: number, via: 'direct' | 'mailbox', to?: string }
  | { kind: 'received', key: string, at: number, node: string }
  | { kind: 'read', key: string, at: number, to?: string }
  | { kind: 'expired', key: string, at: number }

/** A room membership change as the room's creator applied it (wall ms since the run started). */
export interface RoomChange { change: 'remove' | 'add', room: string, node: string, at: number }
