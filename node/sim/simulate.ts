/**
 * `simulate(scenario)`: the TypeScript API behind `ferry sim run`. Expands the
 * scenario into its seeded plan, starts the nodes in the scenario's mode, makes the contacts and
 * mailbox agreements, plays the plan through the driver, then checks the ledger and writes
 * results.json, messages.csv and report.html.
 *
 * @example
 * const run = await simulate(await loadScenario('sim/scenarios/team-churn.json'), { out: 'out' })
 * if (!run.results.ok) console.log(run.results.failures)
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fakeClockEnv, fakeClockUnavailable } from './clock.js'
import { connect, Driver } from './driver.js'
import { InProcessNode, InProcessWorld } from './inprocess.js'
import { check, Ledger } from './ledger.js'
import { NetnsNetwork, netnsDaemons, netnsUnavailable, processUsage } from './netns.js'
import { plan as makePlan } from './plan.js'
import { daemonNodes, LoopbackNetwork } from './processes.js'
import { RemoteNetwork, remoteNodes } from './remote.js'
import { writeOutputs } from './report.js'
import { results as makeResults } from './results.js'
import type { NetworkControl, NodeControl } from './driver.js'
import type { RemoteTarget } from './remote.js'
import type { Results, RunnerMetrics, Versions } from './results.js'
import type { Plan, PlannedEvent, Scenario } from './types.js'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')

/** The log notes a run that fell behind its plan by more than this fraction of its (scaled) duration. */
const LATE_NOTE_FRACTION = 0.05

export interface SimulateOptions {
  /** overrides the scenario's seed */
  seed?: number
  /** where to write results.json, messages.csv and report.html */
  out?: string
  /** FAULT INJECTION for the checker's own test: every Nth mailbox deposit is dropped after its receipt */
  faultDropEvery?: number
  /** drive nodes that already run behind `ferry sim agent`s (remote.ts) instead of starting any; the scenario's mode is then not used */
  remote?: RemoteTarget
  /** daemon modes: append each daemon's output to `<dir>/<node>.log` (across restarts) */
  daemonLogs?: string
  /** daemon modes: environment added for every daemon (e.g. DEBUG=ferry:*) */
  daemonEnv?: Record<string, string>
  /** the drain (scenario drainMs) also waits for sent messages not yet acknowledged, until they arrive or expire */
  drainPending?: boolean
  progress?(done: number, total: number): void
  log?(line: string): void
}

export interface SimulationRun {
  plan: Plan
  ledger: Ledger
  results: Results
  /** the timeline as applied: wall ms since the start, and a note when an event was skipped */
  applied: Array<PlannedEvent & { wallAt: number, note?: string }>
}

/** The modes this build runs. */
export class UnsupportedModeError extends Error {
  override name = 'UnsupportedModeError'
}

function versions (): Versions {
  const version = (path: string): string => { try { return JSON.parse(readFileSync(path, 'utf8')).version } catch { return 'unknown' } }
  return { ferry: version(join(ROOT, 'package.json')), node: process.version, libp2p: version(join(ROOT, 'node_modules', 'libp2p', 'package.json')) }
}

interface Setup {
  nodes: Map<string, NodeControl>
  network: NetworkControl
  /** mail waiting at hosts now */
  held(): Promise<number>
  metrics(): RunnerMetrics
  /** contacts and mailboxes are set up: the run's costs are counted from now */
  begin?(): Promise<void>
  stop(): Promise<void>
}

async function setUp (scenario: Scenario, plan: Plan, options: SimulateOptions): Promise<Setup> {
  const names = plan.nodes.map(n => n.name)
  const skewed = Object.values(scenario.clockOffsets ?? {}).some(ms => ms !== 0)
  if (skewed && (options.remote != null || scenario.mode === 'inprocess')) throw new UnsupportedModeError('clockOffsets need daemons this run starts (mode "netns" or "processes"): in-process nodes share one clock, and remote agents\' clocks are their own')
  if ((plan.rooms ?? []).length > 0 && options.remote != null) throw new UnsupportedModeError('rooms do not run against remote agents in this build: `ferry sim agent` has no room controls yet')
  if (options.remote != null) return setUpRemote(scenario, plan, options.remote, options)
  if (scenario.mode === 'inprocess') {
    const world = new InProcessWorld(scenario, { faultDropEvery: options.faultDropEvery })
    let measured: ReturnType<InProcessWorld['measured']> | undefined
    for (const name of names) world.nodes.set(name, await InProcessNode.create(name, world))
    for (let i = 0; i < names.length; i += 25) await Promise.all(names.slice(i, i + 25).map(async n => world.nodes.get(n)?.start()))
    return {
      nodes: world.nodes,
      network: world,
      held: async () => {
        let n = 0
        for (const node of world.nodes.values()) {
          const store = node.stores.mailbox
          if (store == null) continue
          for (const o of await store.hosted()) n += (await store.usage(o.peer)).messages
        }
        return n
      },
      begin: async () => { world.beginMeasuring() },
      metrics: () => ({ ...world.memoryMetrics(), ...measured }),
      stop: async () => { measured = world.measured(); world.sampleMemory(); for (let i = 0; i < names.length; i += 25) await Promise.all(names.slice(i, i + 25).map(async n => world.nodes.get(n)?.stop())) }
    }
  }
  if (scenario.mode === 'processes') {
    if (options.faultDropEvery != null) throw new UnsupportedModeError('fault injection runs in inprocess mode only')
    const env = daemonEnv(scenario, options)
    const { nodes, cleanup } = await daemonNodes(names, name => ({
      startArgs: ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/udp/0/webrtc-direct'],
      env: env(name),
      logFile: options.daemonLogs == null ? undefined : join(options.daemonLogs, `${name}.log`)
    }))
    for (let i = 0; i < names.length; i += 8) await Promise.all(names.slice(i, i + 8).map(async n => nodes.get(n)?.start()))
    return {
      nodes,
      network: new LoopbackNetwork(),
      held: async () => 0,
      metrics: () => ({}),
      stop: async () => { await Promise.all([...nodes.values()].map(async n => n.stop())); cleanup() }
    }
  }
  if (scenario.mode === 'netns') return setUpNetns(scenario, plan, options)
  throw new UnsupportedModeError(`mode "${scenario.mode}" is not built yet: use inprocess, processes or netns`)
}

/**
 * Each daemon's added environment: `daemonEnv`, and libfaketime for a node with a clock offset.
 *
 * @throws UnsupportedModeError when the scenario skews clocks and libfaketime cannot run here
 */
function daemonEnv (scenario: Scenario, options: SimulateOptions): (name: string) => Record<string, string> {
  const offsets = scenario.clockOffsets ?? {}
  if (Object.values(offsets).some(ms => ms !== 0)) {
    const missing = fakeClockUnavailable()
    if (missing != null) throw new UnsupportedModeError(`clockOffsets: a skewed clock ${missing}`)
  }
  return name => ({ ...options.daemonEnv, ...(offsets[name] == null || offsets[name] === 0 ? {} : fakeClockEnv(offsets[name])) })
}

/** One daemon per network namespace on a bridge (netns.ts); everything made is removed by stop(). */
async function setUpNetns (scenario: Scenario, plan: Plan, options: SimulateOptions): Promise<Setup> {
  if (options.faultDropEvery != null) throw new UnsupportedModeError('fault injection runs in inprocess mode only')
  const missing = netnsUnavailable()
  if (missing != null) throw new UnsupportedModeError(`mode "netns" ${missing}`)
  const env = daemonEnv(scenario, options)
  const names = plan.nodes.map(n => n.name)
  const network = await NetnsNetwork.create(names, scenario.link)
  const linkShaping = network.shaperKind === 'netem' ? 'netem' : 'tbf+bpf: rate and loss only, delay and jitter not applied (this kernel has no sch_netem)'
  options.log?.(`netns: namespaces ${network.tag}-*, bridge ${network.bridgeNs}; link shapes by ${linkShaping}`)
  let daemons
  try {
    daemons = await netnsDaemons(network, names, { env, logDir: options.daemonLogs })
  } catch (err) {
    network.destroy()
    throw err
  }
  const { nodes, cleanup } = daemons
  const hosts = plan.nodes.filter(n => n.roles.includes('mailbox-host')).map(n => nodes.get(n.name)).filter(n => n != null)
  const usage: NonNullable<RunnerMetrics['nodes']> = []
  let bytesAtBegin = 0
  let bytesAtEnd: number | undefined
  return {
    nodes,
    network,
    begin: async () => { bytesAtBegin = await network.bytesOnWire() },
    held: async () => (await Promise.all(hosts.map(async h => h.mailboxHeld().catch(() => 0)))).reduce((a, b) => a + b, 0),
    metrics: () => ({ nodes: usage, linkShaping, ...(bytesAtEnd == null ? {} : { bytesOnWire: bytesAtEnd - bytesAtBegin, bytesSetUp: bytesAtBegin }), ...(network.linkNote != null ? { initialLink: `partly applied: ${network.linkNote}` } : {}) }),
    stop: async () => {
      // the last process of each node, just before it stops: peak RSS and CPU time
      for (const n of nodes.values()) usage.push({ name: n.name, ...processUsage(n.pid() ?? -1), peakRssBytes: n.peakRssBytes() })
      bytesAtEnd = await network.bytesOnWire().catch(() => undefined)
      try {
        await Promise.all([...nodes.values()].map(async n => n.stop()))
      } finally {
        network.destroy()
        cleanup()
      }
    }
  }
}

/** Nodes behind `ferry sim agent`s (remote.ts): reset to fresh identities, started, stopped at the end. */
async function setUpRemote (scenario: Scenario, plan: Plan, remote: RemoteTarget, options: SimulateOptions): Promise<Setup> {
  if (options.faultDropEvery != null) throw new UnsupportedModeError('fault injection runs in inprocess mode only')
  const nodes = await remoteNodes(plan.nodes.map(n => n.name), remote)
  options.log?.(`remote: ${nodes.size} agents answered, reset and started`)
  const network = new RemoteNetwork(options.log)
  const hosts = plan.nodes.filter(n => n.roles.includes('mailbox-host')).map(n => nodes.get(n.name)).filter(n => n != null)
  return {
    nodes,
    network,
    held: async () => (await Promise.all(hosts.map(async h => h.mailboxHeld().catch(() => 0)))).reduce((a, b) => a + b, 0),
    metrics: () => ({
      runner: `remote: ${nodes.size} ferry sim agents (the scenario's mode "${scenario.mode}" not used)`,
      networkControl: 'none: partitions and link shapes are not applied in remote mode',
      ...(scenario.link != null ? { initialLink: 'not applied: remote mode has no control of the links' } : {}),
      ...(network.notApplied.length > 0 ? { partitionsNotApplied: network.notApplied } : {})
    }),
    stop: async () => { await Promise.allSettled([...nodes.values()].map(async n => n.stop())) }
  }
}

/**
 * Run a scenario to its end.
 *
 * @throws UnsupportedModeError | Error when nodes cannot be set up
 */
export async function simulate (scenario: Scenario, options: SimulateOptions = {}): Promise<SimulationRun> {
  const began = Date.now()
  const seed = options.seed ?? scenario.seed
  const plan = makePlan(scenario, seed)
  const ledger = new Ledger(plan.messages, { clockOffsets: scenario.clockOffsets, roomMessages: plan.roomMessages })
  const applied: SimulationRun['applied'] = []
  const log = options.log ?? (() => {})
  const rooms = plan.rooms == null ? '' : `, ${plan.rooms.length} rooms with ${plan.roomMessages?.length ?? 0} messages and ${plan.roomChanges?.length ?? 0} membership changes`
  log(`${plan.nodes.length} nodes, ${plan.contacts.length} contact pairs, ${plan.events.length} events, ${plan.messages.length} messages${rooms} (seed ${seed})`)
  const setup = await setUp(scenario, plan, options)
  const occupancy: Array<{ t: number, held: number }> = []
  let endedAt = 0
  let pace: { lateMs: number, drainedMs: number, missedByFeed?: Driver['missedByFeed'] } | undefined
  try {
    const roomIds = await connect(plan, setup.nodes, log)
    await setup.begin?.()
    log(`contacts and mailboxes set up in ${((Date.now() - began) / 1000).toFixed(1)} s`)
    const driver = new Driver(scenario, plan, setup.nodes, setup.network, {
      observe: o => { ledger.observe(o) },
      roomChange: c => { ledger.changed(c) },
      event: (e, wallAt, note) => { applied.push({ ...e, wallAt, note }) },
      progress: options.progress,
      outstanding: at => ledger.entries({ endedAt: at }).filter(e => e.outcome === 'lost' || (options.drainPending === true && e.outcome === 'pending')).length
    }, roomIds)
    const sampler = setInterval(() => { void setup.held().then(held => occupancy.push({ t: driver.now(), held }), () => {}) }, 2_000)
    try {
      endedAt = await driver.play()
    } finally {
      clearInterval(sampler)
    }
    pace = { lateMs: driver.lateMs, drainedMs: driver.drainedMs, ...(driver.missedByFeed.length > 0 ? { missedByFeed: driver.missedByFeed } : {}) }
    for (const m of driver.missedByFeed.slice(0, 10)) log(`${m.node}'s changes feed never reported message ${m.id} (${m.direction}, ${m.status}, rev ${m.rev}): found only by the full read at the end`)
    if (driver.lateMs > LATE_NOTE_FRACTION * scenario.durationMs / scenario.timeScale) log(`the plan ran up to ${(driver.lateMs / 1000).toFixed(0)} s behind: this machine could not play the scenario in real time (a lower timeScale slows it down)`)
    if (driver.drainedMs > 0) log(`drained for ${(driver.drainedMs / 1000).toFixed(0)} s after the end, waiting for acknowledged messages`)
  } finally {
    await setup.stop()
  }
  const verdict = check(ledger, { endedAt })
  const results = makeResults(ledger, {
    endedAt,
    scenario: scenario.name,
    seed,
    config: scenario,
    versions: versions(),
    wallMs: Date.now() - began,
    ...(plan.rooms == null ? {} : { rooms: plan.rooms.length }),
    metrics: { ...setup.metrics(), ...pace, mailboxOccupancy: occupancy, skippedEvents: applied.filter(e => e.note != null).map(e => `${e.kind} at ${e.at} ms: ${e.note as string}`) }
  })
  if (results.ok !== verdict.ok) throw new Error('the results and the checker disagree: a bug in the ledger')
  if (options.out != null) writeOutputs(options.out, results, ledger, { events: applied.map(e => ({ ...e, at: e.wallAt })) })
  return { plan, ledger, results, applied }
}
