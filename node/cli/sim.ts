/**
 * `ferry sim`: run a simulation of the production code (node/sim/), serve one node to a remote
 * driver, or write the Kubernetes manifests that do both on a cluster.
 *
 *   ferry sim run SCENARIO [--out DIR] [--seed N] [--json] [--remote FILE]
 *       a progress bar (a line per tenth when stderr is not a terminal) and a summary table;
 *       exit 1 when the checker fails
 *   ferry sim agent --data-dir DIR --token-file FILE (--name NAME | --names FILE) [--host H] [--port N] [--listen MA]...
 *       runs until SIGTERM or SIGINT, then stops its daemon
 *   ferry sim k8s SCENARIO [--out DIR] [--image IMAGE] [--namespace NS]
 *       prints the files written and the commands to apply them
 */
import { existsSync, readFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { Agent, AgentSetupError, nodeNameOfPod } from '../sim/agent.js'
import { applyCommands, K8S_DEFAULTS, K8sOptionError, k8sManifests, writeK8s } from '../sim/k8s.js'
import { readRemoteFile, RemoteConfigError } from '../sim/remote.js'
import { loadScenario, ScenarioError } from '../sim/scenario.js'
import { simulate } from '../sim/simulate.js'
import { summaryTable } from '../sim/results.js'
import { UsageError } from './commands.js'
import type { Flags } from './commands.js'
import type { Scenario } from '../sim/types.js'

const USAGE = `usage: ferry sim run SCENARIO [--out DIR] [--seed N] [--json] [--remote FILE]
       ferry sim agent --data-dir DIR --token-file FILE (--name NAME | --names FILE) [--host HOST] [--port N] [--listen MULTIADDR]...
       ferry sim k8s SCENARIO [--out DIR] [--image IMAGE] [--namespace NS]`

/** V8's heap growth after each full GC for in-process runs (its default grows up to 4×). */
export const IN_PROCESS_HEAP_GROWING_PERCENT = 30

/** A failed checker: the run finished, and the figures say what went wrong. */
export class SimulationFailedError extends Error {
  override name = 'SimulationFailedError'
}

function positive (value: string | undefined, flag: string): number | undefined {
  if (value == null) return undefined
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} takes a whole number`)
  return n
}

function bar (done: number, total: number): string {
  const width = 30
  const filled = total === 0 ? width : Math.round(width * done / total)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`
}

/**
 * The play phase's progress: on a terminal a bar redrawn at most every 200 ms; otherwise (output
 * to a file or a pipe, where a bar would be thousands of lines) a line at every tenth of the
 * steps, so a long run can still be followed.
 */
export function playProgress (tty: boolean, write: (text: string) => void, now: () => number = Date.now): (done: number, total: number) => void {
  let began: number | undefined
  let last = 0
  let told = 0
  return (done, total) => {
    began ??= now() // the first step: set-up before it is logged on its own
    if (tty) {
      if (now() - last < 200 && done < total) return
      last = now()
      write(`\r[sim] ${bar(done, total)}${done === total ? '\n' : ''}`)
    } else if (done >= told + total / 10 || done === total) {
      told = done
      write(`[sim] played ${done}/${total} events and messages in ${((now() - began) / 1000).toFixed(0)} s\n`)
    }
  }
}

/** Print every problem, one per line (main.ts prints only an error's first line), then fail. */
function problems (file: string, what: string, list: string[]): Error {
  for (const p of list) process.stderr.write(`ferry: ${p}\n`)
  return new Error(`${file}: ${list.length} problem${list.length === 1 ? '' : 's'} in the ${what}`)
}

async function scenarioFrom (file: string): Promise<Scenario> {
  try {
    return await loadScenario(file)
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err
    // every problem with file:line:col
    throw problems(file, 'scenario', err.problems)
  }
}

export async function sim (f: Flags, args: string[]): Promise<void> {
  const [verb, ...rest] = args
  if (verb === 'run' && rest.length === 1) return run(f, rest[0])
  if (verb === 'k8s' && rest.length === 1) return k8s(f, rest[0])
  if (verb === 'agent' && rest.length === 0) return agent(f)
  throw new UsageError(USAGE)
}

async function run (f: Flags, file: string): Promise<void> {
  const scenario = await scenarioFrom(file)
  let remote
  if (f.remote != null) {
    try {
      remote = readRemoteFile(f.remote)
    } catch (err) {
      if (err instanceof RemoteConfigError) throw problems(f.remote, 'remote file', err.problems)
      throw err
    }
  }
  // hundreds of nodes in this process: V8 otherwise grows the heap far past what is live (a
  // 100-node world: 1.3 GiB RSS for 0.3 GiB live); 30% growth halved RSS at equal CPU
  if (remote == null && scenario.mode === 'inprocess') setFlagsFromString(`--heap-growing-percent=${IN_PROCESS_HEAP_GROWING_PERCENT}`)
  const out = f.out ?? `sim-out/${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`
  const result = await simulate(scenario, {
    seed: positive(f.seed, '--seed'),
    out,
    remote,
    faultDropEvery: positive(f.faultDropEvery, '--fault-drop-every'),
    log: line => { if (!f.json) process.stderr.write(`[sim] ${line}\n`) },
    progress: f.json ? undefined : playProgress(process.stderr.isTTY, line => process.stderr.write(line))
  })
  if (f.json) process.stdout.write(JSON.stringify(result.results, null, 2) + '\n')
  else process.stdout.write(`${summaryTable(result.results)}\noutputs in ${out}/ (results.json, messages.csv, report.html)\n`)
  if (!result.results.ok) throw new SimulationFailedError(`the checker failed: ${result.results.failures.slice(0, 3).join('; ')}`)
}

async function k8s (f: Flags, file: string): Promise<void> {
  const scenario = await scenarioFrom(file)
  let bundle
  try {
    bundle = k8sManifests(scenario, { image: f.image, namespace: f.namespace })
  } catch (err) {
    if (err instanceof K8sOptionError) throw new UsageError(err.message)
    throw err
  }
  const dir = f.out ?? `sim-k8s/${scenario.name}`
  const paths = writeK8s(dir, bundle)
  const say = (s: string): void => { process.stdout.write(s + '\n') }
  say(`scenario "${scenario.name}": ${bundle.nodes.length} nodes -> a StatefulSet of ${bundle.nodes.length} agent pods and a driver Job in namespace ${bundle.namespace}`)
  say('wrote:')
  for (const p of paths) say(`  ${p}`)
  say(`${dir}/secret.yaml holds a fresh random token: keep it out of version control`)
  if (scenario.events.some(e => e.kind === 'partition' || e.kind === 'shape') || scenario.link != null) say('note: partitions and link shapes are not applied in remote mode; results.json lists them as not applied')
  say('to run it:')
  for (const c of applyCommands(dir, bundle, f.image ?? K8S_DEFAULTS.image)) say(`  ${c}`)
  say('(these manifests were checked structurally only; they have not been tried on a real cluster)')
}

async function agent (f: Flags): Promise<void> {
  if (f.dataDirGiven !== true) throw new UsageError('ferry sim agent needs --data-dir DIR (a directory of its own: reset deletes DIR/node)')
  if (f.tokenFile == null) throw new UsageError('ferry sim agent needs --token-file FILE: it never serves without a token')
  if ((f.name == null) === (f.names == null)) throw new UsageError('ferry sim agent needs exactly one of --name NAME and --names FILE')
  if (!existsSync(f.tokenFile)) throw new UsageError(`--token-file ${f.tokenFile} does not exist`)
  const port = f.port == null ? undefined : Number(f.port)
  if (port != null && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new UsageError('--port must be a port number')
  let a: Agent
  try {
    const name = f.name ?? nodeNameOfPod(parseJson(f.names as string), process.env.POD_NAME ?? process.env.HOSTNAME ?? '')
    a = new Agent({ name, dir: f.dataDir, token: readFileSync(f.tokenFile, 'utf8'), host: f.host, port, listen: f.listen.length > 0 ? f.listen : undefined })
  } catch (err) {
    if (err instanceof AgentSetupError) throw new UsageError(err.message)
    throw err
  }
  const url = await a.start()
  process.stdout.write(`ferry sim agent: node ${a.node.name} on ${url} (daemon data in ${a.node.dir}); SIGTERM stops it\n`)
  await new Promise<void>(resolve => {
    const shutdown = (): void => { a.close().then(resolve, () => resolve()) }
    process.once('SIGINT', shutdown)
    process.once('SIGTERM', shutdown)
  })
}

function parseJson (file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (err: any) {
    throw new AgentSetupError(`--names ${file}: ${String(err.message)}`)
  }
}
