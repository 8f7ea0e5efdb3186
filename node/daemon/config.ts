/**
 * config.json in the data dir: the listen addresses a daemon uses, and its settings. A port given
 * as 0 is replaced by the port actually bound, so a restarted daemon keeps its addresses (invites
 * stay valid). `maxFileMb`: the largest file this daemon sends or takes (docs/FILES.md; default 100).
 */
import { existsSync, readFileSync } from 'node:fs'
import { multiaddr } from '@multiformats/multiaddr'
import { writeSecretFile } from '../keyfile.js'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface Config {
  listen?: string[]
  maxFileMb?: number
}

/** The file limit config.json sets, in bytes (undefined: the default). @throws Error when malformed */
export function maxFileBytes (config: Config): number | undefined {
  const mb = config.maxFileMb
  if (mb == null) return undefined
  if (typeof mb !== 'number' || !Number.isInteger(mb) || mb < 1 || mb > 4096) throw new Error(`config.json: maxFileMb must be a whole number of MiB from 1 to 4096, not ${JSON.stringify(mb)}`)
  return mb * 1024 * 1024
}

export function readConfig (path: string): Config {
  if (!existsSync(path)) return {}
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (err: any) {
    throw new Error(`config file ${path} is not valid JSON: ${err.message}`)
  }
}

export function writeConfig (path: string, config: Config): void {
  writeSecretFile(path, JSON.stringify(config, null, 2) + '\n')
}

/** The transport shape of an address: e.g. "udp/webrtc-direct", "tcp/ws", "tcp". */
function shape (ma: Multiaddr): string {
  return ma.getComponents().filter(c => !['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'certhash', 'p2p'].includes(c.name)).map(c => c.name).join('/')
}

function portOf (ma: Multiaddr): string | undefined {
  return ma.getComponents().find(c => c.name === 'tcp' || c.name === 'udp')?.value
}

/**
 * Replace port 0 in each configured address with the port that was bound for it.
 *
 * @param configured - what was asked for (e.g. /ip4/127.0.0.1/tcp/0)
 * @param bound - what the node listens on now
 */
export function resolvePorts (configured: string[], bound: Multiaddr[]): string[] {
  return configured.map(c => {
    const want = multiaddr(c)
    if (portOf(want) !== '0') return c
    const host = want.getComponents()[0]
    const match = bound.find(b => shape(b) === shape(want) &&
      (host.value === '0.0.0.0' || host.value === '::' || b.getComponents()[0].value === host.value))
    const port = match == null ? undefined : portOf(match)
    if (port == null) return c
    const parts = want.getComponents().map(p => (p.name === 'tcp' || p.name === 'udp') ? { ...p, value: port } : p)
    return multiaddr(parts).toString()
  })
}
