/**
 * `ferry sim` plans: expand a validated scenario into the exact nodes, contacts,
 * mailbox hosts, timeline and messages a run will play. Everything random comes from the seed,
 * one independent stream per concern ('contacts', 'churn', 'traffic', 'timers'), so the same seed always
 * gives a deep-equal plan and changing the traffic does not move the churn windows.
 */
import { DEFAULT_TTL_MS } from '../../protocol/constants.js'
import { createRandom } from './random.js'
import { planRooms } from './rooms.js'
import type { EventKind, NodeRole, Plan, PlannedEvent, PlannedMessage, Scenario } from './types.js'

/** Churn windows end by this share of the run, so churny nodes are back before it ends. */
export const CHURN_HORIZON = 0.9
/** The most messages a plan may hold (the expected count, rate × sending time). */
export const MAX_MESSAGES = 1_000_000
/** The most nodes a plan may hold. */
export const MAX_NODES = 100_000

/**
 * How a churny node's offline time is cut into windows: `round(total / windowMs)` windows (at
 * least one) of equal length, so they add up to `fraction × durationMs` to the millisecond and
 * each lasts about `windowMs`.
 */
export function churnWindows (durationMs: number, fraction: number, windowMs: number): { count: number, lengthMs: number } {
  const total = fraction * durationMs
  const count = total <= 0 ? 0 : Math.max(1, Math.round(total / windowMs))
  const lengthMs = count === 0 ? 0 : Math.round(total / count)
  return lengthMs < 1 ? { count: 0, lengthMs: 0 } : { count, lengthMs }
}

/** The last millisecond a churny node may come back at, and the room churn windows have before it. */
function churnSlack (durationMs: number, count: number, lengthMs: number): number {
  // windows start at >= 1 ms, end by the horizon, and leave >= 1 ms between one restart and the next leave
  return Math.floor(durationMs * CHURN_HORIZON) - 1 - count * lengthMs - Math.max(0, count - 1)
}

/** Whether churn windows for this fraction and window length fit before the churn horizon. */
export function canPlaceChurn (durationMs: number, fraction: number, windowMs: number): boolean {
  const { count, lengthMs } = churnWindows(durationMs, fraction, windowMs)
  return count === 0 || churnSlack(durationMs, count, lengthMs) >= 0
}

/**
 * Expand a scenario into a plan, deterministically.
 * @param scenario a validated scenario (parseScenario / validateScenario)
 * @param seed overrides `scenario.seed` (the CLI's `--seed`)
 * @throws RangeError for a seed outside 0..2^32-1, churn that cannot fit, or too many messages
 * @example const p = plan(await loadScenario('sim/scenarios/team-churn.json'))
 */
export function plan (scenario: Scenario, seed = scenario.seed): Plan {
  createRandom(seed) // checks the seed before any work
  const total = scenario.groups.reduce((sum, g) => sum + g.count, 0)
  if (total > MAX_NODES) throw new RangeError(`${total} nodes is more than ${MAX_NODES}`)
  const nodes = scenario.groups.flatMap(g => Array.from({ length: g.count }, (_, i) => ({ name: `${g.name}-${i}`, group: g.name, roles: [...g.roles] })))
  const graph = contactGraph(scenario, nodes.map(n => n.roles), seed)
  const names = nodes.map(n => n.name)
  const mailboxes: Record<string, string[]> = {}
  const replication = scenario.replication ?? 2
  nodes.forEach((n, i) => {
    mailboxes[n.name] = graph.neighbours[i].filter(j => nodes[j].roles.includes('mailbox-host')).slice(0, replication).map(j => names[j])
  })
  const out: Plan = {
    nodes,
    contacts: graph.edges.map(([a, b]) => [names[a], names[b]]),
    mailboxes,
    events: timeline(scenario, seed),
    messages: messages(scenario, names, graph.neighbours, seed)
  }
  if (scenario.rooms == null) return out
  const groups = new Map<string, string[]>()
  for (const n of nodes) groups.set(n.group, [...groups.get(n.group) ?? [], n.name])
  const rooms = planRooms(scenario, groups, seed)
  // a room's creator knows every member: pairs the contact graph lacks are added (direct traffic keeps the graph's)
  const index = new Map(names.map((n, i) => [n, i]))
  const pairs = new Set(graph.edges.map(([a, b]) => `${a},${b}`))
  for (const [x, y] of rooms.contacts) {
    const [a, b] = [index.get(x) as number, index.get(y) as number].sort((u, v) => u - v)
    if (pairs.has(`${a},${b}`)) continue
    pairs.add(`${a},${b}`)
    out.contacts.push([names[a], names[b]])
  }
  return { ...out, rooms: rooms.rooms, roomChanges: rooms.changes, roomMessages: rooms.messages }
}

/** The contact graph as sorted neighbour lists and sorted undirected edges (a < b). */
function contactGraph (scenario: Scenario, roles: NodeRole[][], seed: number): { neighbours: number[][], edges: Array<[number, number]> } {
  const n = roles.length
  const adjacent = Array.from({ length: n }, () => new Set<number>())
  const link = (a: number, b: number): void => { if (a !== b) { adjacent[a].add(b); adjacent[b].add(a) } }
  const random = createRandom(seed, 'contacts')
  const contacts = scenario.contacts
  if (contacts.kind === 'teams') {
    for (let start = 0; start < n; start += contacts.size) {
      const end = Math.min(n, start + contacts.size)
      for (let a = start; a < end; a++) for (let b = a + 1; b < end; b++) link(a, b)
    }
  } else {
    const k = Math.min(contacts.k, n - 1)
    for (let a = 0; a < n; a++) {
      const picked = new Set<number>()
      while (picked.size < k) {
        const b = random.int(n)
        if (b !== a) picked.add(b)
      }
      for (const b of [...picked].sort((x, y) => x - y)) link(a, b)
    }
    // random picks may leave islands: join each to the ones before it
    const components = componentsOf(adjacent)
    const seen = [...components[0] ?? []]
    for (const component of components.slice(1)) {
      link(random.pick(component), random.pick(seen))
      seen.push(...component)
    }
  }
  // every node should reach a mailbox host when there are hosts: round-robin over them
  const hosts = roles.flatMap((r, i) => r.includes('mailbox-host') ? [i] : [])
  let next = 0
  for (let a = 0; a < n; a++) {
    if ([...adjacent[a]].some(b => roles[b].includes('mailbox-host'))) continue
    const others = hosts.filter(h => h !== a)
    if (others.length > 0) link(a, others[next++ % others.length])
  }
  const neighbours = adjacent.map(s => [...s].sort((x, y) => x - y))
  const edges = neighbours.flatMap((list, a): Array<[number, number]> => list.filter(b => b > a).map(b => [a, b]))
  return { neighbours, edges }
}

/** Connected components, each sorted, ordered by their smallest node. */
export function componentsOf (adjacent: ReadonlyArray<Iterable<number>>): number[][] {
  const seen = new Uint8Array(adjacent.length)
  const out: number[][] = []
  for (let s = 0; s < adjacent.length; s++) {
    if (seen[s] === 1) continue
    const component = [s]
    seen[s] = 1
    for (let i = 0; i < component.length; i++) {
      for (const b of adjacent[component[i]]) if (seen[b] === 0) { seen[b] = 1; component.push(b) }
    }
    out.push(component.sort((x, y) => x - y))
  }
  return out
}

/** Scenario events (groups expanded to nodes) merged with the churn windows, sorted by time. */
function timeline (scenario: Scenario, seed: number): PlannedEvent[] {
  const members = new Map(scenario.groups.map(g => [g.name, Array.from({ length: g.count }, (_, i) => `${g.name}-${i}`)]))
  const written = scenario.events.map((e): PlannedEvent => {
    const event: PlannedEvent = { at: e.at, kind: e.kind, nodes: [...new Set((e.nodes ?? []).flatMap(n => members.get(n) ?? [n]))] }
    if (e.link !== undefined) event.link = { ...e.link }
    if (e.forMs !== undefined) event.forMs = e.forMs
    return event
  })
  const random = createRandom(seed, 'churn')
  const churn: PlannedEvent[] = []
  for (const g of scenario.groups) {
    if (!g.roles.includes('churny')) continue
    const { count, lengthMs } = churnWindows(scenario.durationMs, g.offlineFraction ?? 0, g.offlineWindowMs ?? 1)
    const slack = churnSlack(scenario.durationMs, count, lengthMs)
    if (slack < 0) throw new RangeError(`group "${g.name}": ${count} offline windows of ${lengthMs} ms do not fit in the first 90% of the run`)
    for (const name of members.get(g.name) ?? []) {
      // uniform non-overlapping placement: sorted offsets in [0, slack], then each window shifted past the ones before
      const offsets = Array.from({ length: count }, () => random.int(slack + 1)).sort((x, y) => x - y)
      offsets.forEach((u, i) => {
        const at = 1 + u + i * (lengthMs + 1)
        churn.push({ at, kind: 'leave', nodes: [name] }, { at: at + lengthMs, kind: 'restart', nodes: [name] })
      })
    }
  }
  // Array.prototype.sort is stable: equal times keep written events first, then churn in node order
  return [...written, ...churn].sort((a, b) => a.at - b.at)
}

/** A Poisson process at traffic.rate over [0, durationMs - quietMs), each message to a contact. */
function messages (scenario: Scenario, names: string[], neighbours: number[][], seed: number): PlannedMessage[] {
  const { rate, sizes } = scenario.traffic
  const ttlMs = scenario.traffic.ttlMs ?? DEFAULT_TTL_MS
  const disappearing = scenario.traffic.disappearing ?? 0
  const end = scenario.durationMs - (scenario.traffic.quietMs ?? 0)
  if (rate * end / 1000 > MAX_MESSAGES) throw new RangeError(`traffic of ${rate}/s for ${end} ms is more than ${MAX_MESSAGES} messages`)
  const senders = neighbours.flatMap((list, i) => list.length > 0 ? [i] : [])
  if (rate <= 0 || end <= 0 || senders.length === 0) return []
  const random = createRandom(seed, 'traffic')
  const out: PlannedMessage[] = []
  const timers = scenario.traffic.disappearingTtlsMs
  // a stream of its own: a list of timers changes no other field of any message
  const timerRandom = createRandom(seed, 'timers')
  for (let t = random.exponential(rate / 1000); t < end; t += random.exponential(rate / 1000)) {
    const from = random.pick(senders)
    const m: PlannedMessage = {
      key: `m${out.length + 1}`,
      at: Math.floor(t),
      from: names[from],
      to: names[random.pick(neighbours[from])],
      size: random.pick(sizes),
      ttlMs,
      disappearing: random.next() < disappearing
    }
    if (m.disappearing && timers != null) m.ttlMs = timerRandom.pick(timers)
    out.push(m)
  }
  return out
}

/** What the CLI prints before a run. */
export interface PlanSummary {
  nodes: number
  /** nodes per group */
  groups: Record<string, number>
  /** undirected contact pairs */
  contacts: number
  /** average contacts per node */
  meanContacts: number
  mailboxHosts: number
  /** nodes that know no mailbox host (no hosts in the scenario, or a lone host) */
  withoutMailbox: number
  events: number
  eventsByKind: Partial<Record<EventKind, number>>
  messages: number
  /** rooms, their membership changes and their messages (0 without rooms) */
  rooms: number
  roomChanges: number
  roomMessages: number
  /** sum of message sizes */
  messageBytes: number
  disappearing: number
}

/** Counts of a plan, for the CLI's summary table. */
export function planSummary (plan: Plan): PlanSummary {
  const groups: Record<string, number> = {}
  for (const n of plan.nodes) groups[n.group] = (groups[n.group] ?? 0) + 1
  const eventsByKind: Partial<Record<EventKind, number>> = {}
  for (const e of plan.events) eventsByKind[e.kind] = (eventsByKind[e.kind] ?? 0) + 1
  return {
    nodes: plan.nodes.length,
    groups,
    contacts: plan.contacts.length,
    meanContacts: plan.nodes.length === 0 ? 0 : 2 * plan.contacts.length / plan.nodes.length,
    mailboxHosts: plan.nodes.filter(n => n.roles.includes('mailbox-host')).length,
    withoutMailbox: plan.nodes.filter(n => (plan.mailboxes[n.name] ?? []).length === 0).length,
    events: plan.events.length,
    eventsByKind,
    messages: plan.messages.length,
    rooms: plan.rooms?.length ?? 0,
    roomChanges: plan.roomChanges?.length ?? 0,
    roomMessages: plan.roomMessages?.length ?? 0,
    messageBytes: plan.messages.reduce((sum, m) => sum + m.size, 0),
    disappearing: plan.messages.filter(m => m.disappearing).length
  }
}
