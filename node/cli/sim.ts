/**
 * `ferry sim run SCENARIO [--out DIR] [--seed N] [--json]`: run a simulation of the production
 * code (node/sim/), with a progress bar and a summary table; exit 1 when the checker fails.
 */
import { loadScenario, ScenarioError } from '../sim/scenario.js'
import { simulate } from '../sim/simulate.js'
import { summaryTable } from '../sim/results.js'
import { UsageError } from './commands.js'
import type { Flags } from './commands.js'

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

export async function sim (f: Flags, args: string[]): Promise<void> {
  const [verb, file, ...rest] = args
  if (verb !== 'run' || file == null || rest.length > 0) throw new UsageError('usage: ferry sim run SCENARIO [--out DIR] [--seed N] [--json]')
  let scenario
  try {
    scenario = await loadScenario(file)
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err
    // every problem, one per line, each with file:line:col (main.ts prints only an error's first line)
    for (const p of err.problems) process.stderr.write(`ferry: ${p}\n`)
    throw new Error(`${file}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} in the scenario`)
  }
  const out = f.out ?? `sim-out/${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`
  const tty = process.stderr.isTTY && !f.json
  let last = 0
  const run = await simulate(scenario, {
    seed: positive(f.seed, '--seed'),
    out,
    faultDropEvery: positive(f.faultDropEvery, '--fault-drop-every'),
    log: line => { if (!f.json) process.stderr.write(`[sim] ${line}\n`) },
    progress: (done, total) => {
      if (!tty || (Date.now() - last < 200 && done < total)) return
      last = Date.now()
      process.stderr.write(`\r[sim] ${bar(done, total)}${done === total ? '\n' : ''}`)
    }
  })
  if (f.json) process.stdout.write(JSON.stringify(run.results, null, 2) + '\n')
  else process.stdout.write(`${summaryTable(run.results)}\noutputs in ${out}/ (results.json, messages.csv, report.html)\n`)
  if (!run.results.ok) throw new SimulationFailedError(`the checker failed: ${run.results.failures.slice(0, 3).join('; ')}`)
}
