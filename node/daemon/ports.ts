/**
 * Before a daemon creates anything, can it bind the ports it is to listen on? libp2p reports a
 * taken UDP port only as "Failed to register ICE UDP mux listener" (after node-datachannel's native
 * log lines), once the identity and database exist; a probe names the port and says what to do.
 */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'

/** One port a listen address binds. */
export interface PortUse {
  /** the listen multiaddr it comes from */
  address: string
  host: string
  port: number
  protocol: 'tcp' | 'udp'
}

/** A port that cannot be bound, and why (EADDRINUSE, EACCES, EADDRNOTAVAIL, ...). */
export interface PortProblem extends PortUse {
  code: string
}

/** The fixed ports the listen addresses bind; port 0 and addresses not on an IP are left out. */
export function portsOf (listen: string[]): PortUse[] {
  const uses: PortUse[] = []
  for (const address of listen) {
    const [ip, transport] = multiaddr(address).getComponents()
    if ((ip?.name !== 'ip4' && ip?.name !== 'ip6') || (transport?.name !== 'tcp' && transport?.name !== 'udp')) continue
    const port = Number(transport.value)
    if (port === 0 || uses.some(u => u.host === ip.value && u.port === port && u.protocol === transport.name)) continue
    uses.push({ address, host: ip.value as string, port, protocol: transport.name })
  }
  return uses
}

/**
 * Bind `use` for a moment and release it.
 *
 * @returns the error code when it cannot be bound, else undefined
 */
export async function probe (use: Pick<PortUse, 'host' | 'port' | 'protocol'>): Promise<string | undefined> {
  return new Promise(resolve => {
    const failed = (err: NodeJS.ErrnoException): void => { resolve(err.code ?? err.message) }
    if (use.protocol === 'tcp') {
      const server = createServer()
      server.once('error', failed)
      server.listen({ host: use.host, port: use.port, exclusive: true }, () => server.close(() => { resolve(undefined) }))
    } else {
      const socket = createSocket(use.host.includes(':') ? 'udp6' : 'udp4')
      socket.once('error', failed)
      socket.bind({ address: use.host, port: use.port, exclusive: true }, () => socket.close(() => { resolve(undefined) }))
    }
  })
}

/** The listen addresses' fixed ports that cannot be bound now. */
export async function unbindable (listen: string[]): Promise<PortProblem[]> {
  const problems: PortProblem[] = []
  for (const use of portsOf(listen)) {
    const code = await probe(use)
    if (code != null) problems.push({ ...use, code })
  }
  return problems
}

/** `address` with its TCP or UDP port replaced by 0 (any free port). */
export function anyPort (address: string): string {
  const parts = multiaddr(address).getComponents().map(c => c.name === 'tcp' || c.name === 'udp' ? { ...c, value: '0' } : c)
  return multiaddr(parts).toString()
}

/** What went wrong with one port, in a few words. */
export function portProblemText (p: PortProblem): string {
  const which = `port ${p.port}/${p.protocol} (${p.address})`
  if (p.code === 'EADDRINUSE') return `${which} is in use by another program (another Ferry daemon on this machine?)`
  if (p.code === 'EACCES') return `${which} needs privileges (ports below 1024)`
  if (p.code === 'EADDRNOTAVAIL') return `${which}: ${p.host} is not an address of this machine`
  return `${which} cannot be bound (${p.code})`
}

/** A port the daemon cannot listen on; the message names it and says what to do. */
export class PortUnavailableError extends Error {
  override name = 'PortUnavailableError'

  /**
   * @param listen - every address the daemon was to listen on (a --listen list replaces all of them)
   * @param nothingCreated - this start created no identity (say so: the user need not clean up)
   */
  constructor (readonly problems: PortProblem[], listen: string[], nothingCreated: boolean) {
    const taken = new Set(problems.map(p => p.address))
    const fix = listen.map(a => `--listen ${taken.has(a) ? anyPort(a) : a}`).join(' ')
    super(`cannot listen: ${problems.map(portProblemText).join('; ')}. ` +
      `Choose other ports, for example ${fix} (0 picks a free port; the ports bound are kept in config.json for later starts)` +
      (nothingCreated ? '. Nothing was created.' : ''))
  }
}
