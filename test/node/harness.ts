/**
 * Test harness: real `ferry start` daemons as separate OS processes on 127.0.0.1 (port 0), driven
 * through the control API (ApiClient, the CLI's own client) or the CLI itself.
 */
import { spawn, execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ApiClient } from '../../node/cli/client.js'
import type { ChildProcess } from 'node:child_process'

export const ROOT = resolve(import.meta.dirname, '..', '..', '..')
export const BIN = join(ROOT, 'node', 'bin', 'ferry.js')
export const LOOPBACK = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/webrtc-direct']

export function tempDir (prefix = 'ferry-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** Poll `fn` until it returns true, at most `timeoutMs`. */
export async function waitFor (what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await fn()) return
    await sleep(200)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** Run the CLI; resolves with exit code and output (never rejects on a non-zero exit). */
export async function cli (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err: any, stdout, stderr) => {
      resolve({ code: err == null ? 0 : (typeof err.code === 'number' ? err.code : 1), stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

export class DaemonProcess {
  proc?: ChildProcess
  api!: ApiClient
  log = ''

  constructor (readonly dir: string, readonly name: string) {}

  /**
   * Start `ferry start` (listen addresses from config.json after the first start) and wait for its
   * API. mDNS stays off: these daemons run on the test's loopback, and mDNS must never run on the
   * host's own interfaces (the LAN tests in field-units.spec.ts turn it on inside namespaces).
   */
  async start (listen: string[] = existsSync(join(this.dir, 'config.json')) ? [] : LOOPBACK, extra: string[] = []): Promise<this> {
    const args = [BIN, 'start', '--data-dir', this.dir, '--no-mdns', ...listen.flatMap(l => ['--listen', l]), ...extra]
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.proc = proc
    proc.stdout.on('data', d => { this.log += String(d) })
    proc.stderr.on('data', d => { this.log += String(d) })
    await waitFor(`${this.name} daemon API`, async () => {
      if (proc.exitCode != null) throw new Error(`${this.name} exited with ${proc.exitCode}: ${this.log}`)
      if (!existsSync(join(this.dir, 'api.json'))) return false
      try {
        this.api = new ApiClient(this.dir)
        await this.api.get('/v1/status')
        return true
      } catch { return false }
    })
    return this
  }

  get running (): boolean {
    return this.proc != null && this.proc.exitCode == null && this.proc.signalCode == null
  }

  /** Signal (SIGTERM by default) and wait for a clean exit: the exit code, or the signal that ended it. */
  async stop (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string | null> {
    const proc = this.proc
    if (proc == null || !this.running) return proc?.exitCode ?? null
    const exited = new Promise<number | string | null>(resolve => proc.once('exit', (code, sig) => resolve(code ?? sig)))
    proc.kill(signal)
    const code = await Promise.race([exited, sleep(15_000).then(() => { proc.kill('SIGKILL'); return -1 })])
    this.proc = undefined
    return code
  }

  async invite (): Promise<string> {
    return (await this.api.get<{ invite: string }>('/v1/invite')).invite
  }

  async messages (direction?: 'in' | 'out'): Promise<any[]> {
    const all = await this.api.get<any[]>('/v1/messages')
    return direction == null ? all : all.filter(m => m.direction === direction)
  }

  apiFile (): { port: number } {
    return JSON.parse(readFileSync(join(this.dir, 'api.json'), 'utf8'))
  }
}

/** Start `names.length` daemons in fresh data dirs, each `ferry init`ed with its name. */
export async function startDaemons (...names: string[]): Promise<DaemonProcess[]> {
  const daemons: DaemonProcess[] = []
  for (const name of names) {
    const dir = tempDir(`ferry-${name}-`)
    const r = await cli(['init', '--name', name, '--data-dir', dir])
    if (r.code !== 0) throw new Error(`init ${name} failed: ${r.stderr}`)
    daemons.push(new DaemonProcess(dir, name))
  }
  await Promise.all(daemons.map(async d => d.start()))
  return daemons
}

/** Each adds the other by invite. */
export async function befriend (a: DaemonProcess, b: DaemonProcess): Promise<void> {
  await a.api.post('/v1/contacts', { name: b.name, target: await b.invite() })
  await b.api.post('/v1/contacts', { name: a.name, target: await a.invite() })
}

export async function stopAll (daemons: DaemonProcess[]): Promise<void> {
  await Promise.all(daemons.map(async d => d.stop()))
  for (const d of daemons) rmSync(d.dir, { recursive: true, force: true })
}
