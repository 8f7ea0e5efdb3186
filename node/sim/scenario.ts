/**
 * `ferry sim` scenarios: parse a YAML or JSON scenario, check every field against
 * the `Scenario` shape, fill the defaults, and report every problem at once as
 * `file:line:col: path: message` so a typo is found in one round. Unknown keys are errors.
 */
import { readFile } from 'node:fs/promises'
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'
import type { Document, Node as YamlNode } from 'yaml'
import { DEFAULT_TTL_MS } from '../../protocol/constants.js'
import { MAX_CLOCK_OFFSET_MS } from './clock.js'
import { canPlaceChurn, MAX_MESSAGES, MAX_NODES } from './plan.js'
import { roomSpecs } from './rooms.js'
import type { ContactGraph, RoomSpec, EventKind, LinkShape, NodeGroup, NodeRole, Scenario, ScenarioEvent, SimMode, Traffic } from './types.js'
import { Problems, describe, join, rules } from './_problems.js'
import type { Where } from './_problems.js'

/** A scenario failed to parse or validate; `problems` holds one `file:line:col: path: message` each. */
export class ScenarioError extends Error {
  override name = 'ScenarioError'
  constructor (readonly file: string, readonly problems: string[]) {
    super(problems.join('\n'))
  }
}

export { MAX_SIZE_BYTES } from './_problems.js'
/** Scenario defaults: what an absent optional field means. */
export const SCENARIO_DEFAULTS = { timeScale: 1, seed: 1, replication: 2, ttlMs: DEFAULT_TTL_MS, disappearing: 0, quietMs: 0 } as const

const MODES: SimMode[] = ['inprocess', 'processes', 'netns']
const ROLES: NodeRole[] = ['mailbox-host', 'always-on', 'churny']
const KINDS: EventKind[] = ['join', 'leave', 'crash', 'restart', 'partition', 'heal', 'sleep', 'resume', 'shape']
/** events that act on named nodes and make no sense without them */
const NEEDS_NODES = new Set<EventKind>(['join', 'leave', 'crash', 'restart', 'partition', 'sleep', 'resume'])
/** group names become node names, host names and file names: keep them plain */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/**
 * Parse and validate a scenario written in YAML or JSON (JSON is YAML 1.2).
 * @param text the file's contents
 * @param file the name used in error messages
 * @returns the scenario with every default filled in
 * @throws ScenarioError listing every problem, line-precise
 * @example parseScenario('name: t\nmode: inprocess\n…', 'team.yaml')
 */
export function parseScenario (text: string, file: string): Scenario {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  if (doc.errors.length > 0) {
    throw new ScenarioError(file, doc.errors.map(e => {
      const { line, col } = lineCounter.linePos(e.pos[0])
      return `${file}:${line}:${col}: syntax: ${e.message.split('\n')[0]}`
    }))
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (err: any) {
    // an alias to no anchor (`*a`), or too many aliases: the yaml package throws plain errors here
    throw new ScenarioError(file, [`${file}: ${String(err.message).split('\n')[0]}`])
  }
  return validate(value, new Problems(file, positions(doc, lineCounter)))
}

/**
 * Read and parse a scenario file.
 * @throws ScenarioError when invalid; the file system's error when it cannot be read
 */
export async function loadScenario (path: string): Promise<Scenario> {
  return parseScenario(await readFile(path, 'utf8'), path)
}

/**
 * Validate a scenario given as a plain object (the TypeScript API); messages carry no positions.
 * @throws ScenarioError listing every problem
 */
export function validateScenario (value: unknown, file = 'scenario'): Scenario {
  return validate(value, new Problems(file))
}

/** Where each path's key and value start in the source (aliases point at their anchor). */
function positions (doc: Document, lc: LineCounter): Map<string, Where> {
  const out = new Map<string, Where>()
  const start = (node: unknown): Where['value'] => {
    const range = (node as YamlNode | null)?.range
    return range == null || (isScalar(node) && range[0] === range[1]) ? undefined : lc.linePos(range[0])
  }
  const walk = (node: unknown, path: string): void => {
    if (isAlias(node)) node = node.resolve(doc)
    out.set(path, { ...out.get(path), value: start(node) ?? out.get(path)?.key })
    if (isMap(node)) {
      for (const pair of node.items) {
        const p = join(path, String(isScalar(pair.key) ? pair.key.value : pair.key))
        out.set(p, { key: start(pair.key) })
        walk(pair.value, p)
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => { walk(item, `${path}[${i}]`) })
    }
  }
  walk(doc.contents, '')
  return out
}

function validate (value: unknown, p: Problems): Scenario {
  const top = p.mapping('', value ?? null, ['name', 'mode', 'durationMs', 'groups', 'contacts', 'traffic'], ['description', 'timeScale', 'seed', 'link', 'events', 'replication', 'maxConnections', 'drainMs', 'clockOffsets', 'rooms'])
  if (top == null) throw new ScenarioError(p.file, p.lines())
  const name = p.string('name', top.name)
  const description = top.description === undefined ? undefined : p.string('description', top.description, true)
  const mode = p.oneOf('mode', top.mode, MODES)
  const durationMs = p.number('durationMs', top.durationMs, rules.positiveInt)
  const timeScale = p.number('timeScale', top.timeScale ?? SCENARIO_DEFAULTS.timeScale, rules.positive)
  const seed = p.number('seed', top.seed ?? SCENARIO_DEFAULTS.seed, rules.seed)
  const replication = p.number('replication', top.replication ?? SCENARIO_DEFAULTS.replication, rules.positiveInt)
  const maxConnections = top.maxConnections == null ? undefined : p.number('maxConnections', top.maxConnections, rules.positiveInt)
  const drainMs = top.drainMs == null ? undefined : p.number('drainMs', top.drainMs, rules.nonNegativeInt)
  const link = top.link === undefined ? undefined : linkShape(p, 'link', top.link)
  const groups = nodeGroups(p, top.groups, durationMs)
  const names = nodeNames(p, groups)
  if (names.nodes.length > MAX_NODES) p.add('groups', `${names.nodes.length} nodes in total; at most ${MAX_NODES}`)
  const contacts = contactGraph(p, top.contacts, names.complete ? names.nodes.length : 0)
  const traffic = trafficOf(p, top.traffic, durationMs)
  const events = timeline(p, top.events ?? [], names, durationMs)
  const clockOffsets = top.clockOffsets === undefined ? undefined : offsets(p, top.clockOffsets, names, mode)
  const rooms = top.rooms === undefined ? undefined : roomSpecs(p, top.rooms, names.complete ? new Set([...names.nodes, ...names.groups.keys()]) : new Set(), names.groups, durationMs)
  if (p.count > 0) throw new ScenarioError(p.file, p.lines())
  const scenario: Scenario = { name: name!, mode: mode!, durationMs: durationMs!, timeScale: timeScale!, seed: seed!, groups: groups as NodeGroup[], contacts: contacts!, traffic: traffic!, events: events!, replication: replication!, ...(maxConnections == null ? {} : { maxConnections }), ...(drainMs == null ? {} : { drainMs }), ...(clockOffsets == null ? {} : { clockOffsets }), ...(rooms == null ? {} : { rooms: rooms as RoomSpec[] }) }
  if (description !== undefined) scenario.description = description
  if (link !== undefined) scenario.link = link
  return scenario
}

/** The groups as far as they are valid (fields may be undefined where a problem was recorded). */
function nodeGroups (p: Problems, value: unknown, durationMs: number | undefined): Array<NodeGroup | undefined> | undefined {
  const list = p.list('groups', value, true)
  if (list == null) return undefined
  const seen = new Set<string>()
  const groups = list.map((item, i): NodeGroup | undefined => {
    const path = `groups[${i}]`
    const g = p.mapping(path, item, ['name', 'count'], ['roles', 'offlineFraction', 'offlineWindowMs'])
    if (g == null) return undefined
    const name = p.string(join(path, 'name'), g.name)
    if (name !== undefined && !NAME.test(name)) p.add(join(path, 'name'), `must be letters, digits, ".", "_" or "-" (starting with a letter or digit), got ${describe(name)}`)
    else if (name !== undefined && seen.has(name)) p.add(join(path, 'name'), `duplicate group name ${describe(name)}`)
    if (name !== undefined) seen.add(name)
    const count = p.number(join(path, 'count'), g.count, rules.positiveInt)
    const roles = roleList(p, join(path, 'roles'), g.roles ?? [])
    const group: NodeGroup = { name: name!, count: count!, roles: roles ?? [] }
    if (roles?.includes('churny') === true) {
      if (roles.includes('always-on')) p.add(join(path, 'roles'), 'a group cannot be both "churny" and "always-on"')
      const fraction = p.number(join(path, 'offlineFraction'), g.offlineFraction, rules.fraction, 'parent', 'is required for a churny group')
      const windowMs = p.number(join(path, 'offlineWindowMs'), g.offlineWindowMs, rules.positiveInt, 'parent', 'is required for a churny group')
      if (fraction !== undefined && windowMs !== undefined && durationMs !== undefined && !canPlaceChurn(durationMs, fraction, windowMs)) {
        p.add(join(path, 'offlineFraction'), `offline windows of ~${windowMs} ms adding up to ${fraction} of ${durationMs} ms do not fit in the first 90% of the run`)
      }
      group.offlineFraction = fraction
      group.offlineWindowMs = windowMs
    } else {
      for (const key of ['offlineFraction', 'offlineWindowMs']) {
        if (g[key] !== undefined) p.add(join(path, key), 'only allowed for a group with the role "churny"', 'key')
      }
    }
    return group
  })
  return groups
}

function roleList (p: Problems, path: string, value: unknown): NodeRole[] | undefined {
  const list = p.list(path, value, false)
  if (list == null) return undefined
  const roles: NodeRole[] = []
  list.forEach((item, i) => {
    const role = p.oneOf(`${path}[${i}]`, item, ROLES)
    if (role !== undefined && roles.includes(role)) p.add(`${path}[${i}]`, `duplicate role ${describe(role)}`)
    else if (role !== undefined) roles.push(role)
  })
  return roles
}

interface Names {
  nodes: string[]
  groups: Map<string, string[]>
  /** every group has a valid name and count, so `nodes` is the whole network */
  complete: boolean
}

/** Node names (`<group>-<index>`) and group names; a name may not mean both. */
function nodeNames (p: Problems, groups: Array<NodeGroup | undefined> | undefined): Names {
  const byGroup = new Map<string, string[]>()
  let complete = groups !== undefined
  for (const g of groups ?? []) {
    const valid = g?.name !== undefined && g.count !== undefined
    complete &&= valid
    // a group with a bad count still has a name events may use: no second error for them
    if (g?.name !== undefined) byGroup.set(g.name, valid ? Array.from({ length: g.count }, (_, i) => `${g.name}-${i}`) : [])
  }
  const nodes = [...byGroup.values()].flat()
  const nodeSet = new Set(nodes)
  groups?.forEach((g, i) => {
    if (g?.name !== undefined && nodeSet.has(g.name)) p.add(`groups[${i}].name`, `${describe(g.name)} is also the name of a node of another group`)
  })
  return { nodes, groups: byGroup, complete }
}

function contactGraph (p: Problems, value: unknown, nodeCount: number): ContactGraph | undefined {
  const kindOf = (value as { kind?: unknown } | null)?.kind
  // an unknown kind is one problem, not also two missing keys
  const c = kindOf === 'teams' || kindOf === 'random'
    ? p.mapping('contacts', value, ['kind', kindOf === 'teams' ? 'size' : 'k'], [])
    : p.mapping('contacts', value, ['kind'], ['size', 'k'])
  if (c == null) return undefined
  const kind = p.oneOf('contacts.kind', c.kind, ['teams', 'random'] as const)
  if (kind === 'teams') {
    const size = p.number('contacts.size', c.size, rules.positiveInt)
    return size === undefined ? undefined : { kind, size }
  }
  if (kind === 'random') {
    const k = p.number('contacts.k', c.k, rules.positiveInt)
    if (k !== undefined && nodeCount > 0 && k >= nodeCount) p.add('contacts.k', `must be less than the number of nodes (${nodeCount}), got ${k}`)
    return k === undefined ? undefined : { kind, k }
  }
  return undefined
}

function trafficOf (p: Problems, value: unknown, durationMs: number | undefined): Traffic | undefined {
  const t = p.mapping('traffic', value, ['rate', 'sizes'], ['ttlMs', 'disappearing', 'disappearingTtlsMs', 'quietMs'])
  if (t == null) return undefined
  const rate = p.number('traffic.rate', t.rate, rules.nonNegative)
  const sizes = p.list('traffic.sizes', t.sizes, true)?.map((s, i) => p.number(`traffic.sizes[${i}]`, s, rules.size))
  const ttlMs = p.number('traffic.ttlMs', t.ttlMs ?? SCENARIO_DEFAULTS.ttlMs, rules.ttl)
  const disappearing = p.number('traffic.disappearing', t.disappearing ?? SCENARIO_DEFAULTS.disappearing, rules.fraction)
  const quietMs = p.number('traffic.quietMs', t.quietMs ?? SCENARIO_DEFAULTS.quietMs, rules.nonNegativeInt)
  const ttls = t.disappearingTtlsMs === undefined ? undefined : p.list('traffic.disappearingTtlsMs', t.disappearingTtlsMs, true)?.map((v, i) => p.number(`traffic.disappearingTtlsMs[${i}]`, v, rules.ttl))
  if (quietMs !== undefined && durationMs !== undefined && quietMs >= durationMs) p.add('traffic.quietMs', `must be less than durationMs (${durationMs}), got ${quietMs}`)
  else if (rate !== undefined && quietMs !== undefined && durationMs !== undefined && rate * (durationMs - quietMs) / 1000 > MAX_MESSAGES) {
    p.add('traffic.rate', `would send about ${Math.round(rate * (durationMs - quietMs) / 1000)} messages; at most ${MAX_MESSAGES} per run`)
  }
  return { rate: rate!, sizes: sizes as number[], ttlMs: ttlMs!, disappearing: disappearing!, quietMs: quietMs!, ...(ttls == null ? {} : { disappearingTtlsMs: ttls as number[] }) }
}

/** Clock offsets: node names (not groups) to whole ms within ±MAX_CLOCK_OFFSET_MS, daemon modes only. */
function offsets (p: Problems, value: unknown, names: Names, mode: SimMode | undefined): Record<string, number> | undefined {
  const known = names.complete ? names.nodes : Object.keys(value ?? {})
  const o = p.mapping('clockOffsets', value, [], known)
  if (o == null) return undefined
  if (mode === 'inprocess') p.add('clockOffsets', 'needs a node per process (mode "netns" or "processes"): nodes in one process share its clock', 'key')
  const out: Record<string, number> = {}
  for (const [node, ms] of Object.entries(o)) {
    const n = p.number(join('clockOffsets', node), ms, { test: v => Number.isInteger(v) && Math.abs(v) <= MAX_CLOCK_OFFSET_MS, says: `must be a whole number of ms from -${MAX_CLOCK_OFFSET_MS} to ${MAX_CLOCK_OFFSET_MS} (a day)` })
    if (n !== undefined) out[node] = n
  }
  return out
}

function linkShape (p: Problems, path: string, value: unknown): LinkShape | undefined {
  const l = p.mapping(path, value, [], ['delayMs', 'jitterMs', 'lossPct', 'rateKbit'])
  if (l == null) return undefined
  const shape: LinkShape = {}
  if (l.delayMs !== undefined) shape.delayMs = p.number(join(path, 'delayMs'), l.delayMs, rules.nonNegative)
  if (l.jitterMs !== undefined) shape.jitterMs = p.number(join(path, 'jitterMs'), l.jitterMs, rules.nonNegative)
  if (l.lossPct !== undefined) shape.lossPct = p.number(join(path, 'lossPct'), l.lossPct, rules.percent)
  if (l.rateKbit !== undefined) shape.rateKbit = p.number(join(path, 'rateKbit'), l.rateKbit, rules.positive)
  return shape
}

function timeline (p: Problems, value: unknown, names: Names, durationMs: number | undefined): ScenarioEvent[] | undefined {
  const list = p.list('events', value, false)
  if (list == null) return undefined
  // names can be checked only when every group is valid (an empty set checks nothing)
  const known = names.complete ? new Set([...names.nodes, ...names.groups.keys()]) : new Set<string>()
  return list.map((item, i) => {
    const path = `events[${i}]`
    const e = p.mapping(path, item, ['at', 'kind'], ['nodes', 'link', 'forMs'])
    if (e == null) return undefined
    const at = p.number(join(path, 'at'), e.at, rules.nonNegativeInt)
    if (at !== undefined && durationMs !== undefined && at >= durationMs) p.add(join(path, 'at'), `must be within the run (less than durationMs ${durationMs}), got ${at}`)
    const kind = p.oneOf(join(path, 'kind'), e.kind, KINDS)
    const event: ScenarioEvent = { at: at!, kind: kind! }
    if (e.nodes !== undefined) event.nodes = nodeList(p, join(path, 'nodes'), e.nodes, known)
    else if (kind !== undefined && NEEDS_NODES.has(kind)) p.add(join(path, 'nodes'), `is required for a ${kind} event`, 'parent')
    if (kind === 'partition' && event.nodes !== undefined && names.complete) {
      const cut = new Set(event.nodes.flatMap(n => names.groups.get(n) ?? [n]))
      if (cut.size >= names.nodes.length) p.add(join(path, 'nodes'), 'must leave at least one node on the other side of the partition')
    }
    if (e.link !== undefined && kind !== undefined && kind !== 'shape') p.add(join(path, 'link'), 'only allowed for a shape event', 'key')
    else if (e.link !== undefined) event.link = linkShape(p, join(path, 'link'), e.link)
    else if (kind === 'shape') p.add(join(path, 'link'), 'is required for a shape event', 'parent')
    if (e.forMs !== undefined && kind !== undefined && kind !== 'sleep') p.add(join(path, 'forMs'), 'only allowed for a sleep event', 'key')
    else if (e.forMs !== undefined) {
      event.forMs = p.number(join(path, 'forMs'), e.forMs, rules.positiveInt)
      if (event.forMs !== undefined && at !== undefined && durationMs !== undefined && at + event.forMs > durationMs) p.add(join(path, 'forMs'), `must end within the run (at + forMs <= durationMs ${durationMs}), got ${at} + ${event.forMs}`)
    }
    return event
  }) as ScenarioEvent[]
}

function nodeList (p: Problems, path: string, value: unknown, known: Set<string>): string[] | undefined {
  const list = p.list(path, value, true)
  if (list == null) return undefined
  return list.map((item, i) => {
    const name = p.string(`${path}[${i}]`, item)
    if (name !== undefined && known.size > 0 && !known.has(name)) p.add(`${path}[${i}]`, `no node or group named ${describe(name)}`)
    return name!
  })
}
