/**
 * The ferry CLI on a pseudo-terminal (util-linux `script`), typed at as a person would: for the
 * specs of prompts (passphrases, recovery phrases) that only appear when stdin is a terminal.
 */
import { spawn } from 'node:child_process'
import { BIN, waitFor } from './harness.js'
import type { ChildProcess } from 'node:child_process'

export const SCRIPT = '/usr/bin/script'

const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`

/** The ferry CLI on a pseudo-terminal: what it prints, and keys typed at it. */
export class Terminal {
  readonly proc: ChildProcess
  readonly exited: Promise<number | null>
  out = ''
  private seen = 0

  /** @param extra - added to the environment, which has no FERRY_* secret unless given here */
  constructor (args: string[], extra: NodeJS.ProcessEnv = {}) {
    const env = { ...process.env }
    for (const name of ['FERRY_PASSPHRASE', 'FERRY_NEW_PASSPHRASE', 'FERRY_RECOVERY_PHRASE']) delete env[name]
    Object.assign(env, extra)
    // `exec`: script(1) runs the command through $SHELL, and a shell that stays as ferry's parent
    // (dash, when SHELL is unset or /bin/sh) is killed by the Ctrl-C meant for ferry, so script
    // would report 130 whatever ferry did
    const command = `exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`
    this.proc = spawn(SCRIPT, ['-qefc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env })
    this.proc.stdout?.on('data', d => { this.out += String(d) })
    this.proc.stderr?.on('data', d => { this.out += String(d) })
    this.exited = new Promise(resolve => this.proc.once('close', code => resolve(code)))
  }

  /** Wait until the terminal shows `pattern` (after what earlier waits matched). */
  async shows (pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    await waitFor(`the terminal to show ${pattern}`, () => {
      const m = pattern.exec(this.out.slice(this.seen))
      if (m != null) this.seen += m.index + m[0].length
      else if (this.proc.exitCode != null) throw new Error(`exited with ${this.proc.exitCode} before showing ${pattern}: ${this.out}`)
      return m != null
    }, timeoutMs)
  }

  /** Keys as a terminal sends them: Enter is \r, Backspace \x7f, Ctrl-C \x03. */
  type (keys: string): void {
    this.proc.stdin?.write(keys)
  }

  async exit (): Promise<number | null> {
    const code = await this.exited
    this.proc.stdin?.end()
    return code
  }
}
