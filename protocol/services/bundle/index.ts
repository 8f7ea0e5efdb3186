/**
 * `/ferry/bundle/1.0.0`: fetch a prekey bundle straight from a connected peer (DESIGN.md "Wire
 * protocols"), with a fresh one-time prekey. Request/response, one stream each: the responder
 * writes one length-prefixed encoded PrekeyBundle and closes.
 *
 * @example
 * const bundle = await node.services.bundles.fetch(connection)
 */
import { MAX_BUNDLE_BYTES } from '../../crypto/bundle.js'
import { frameStream, RAW } from '../frames.js'
import type { AbortOptions, ComponentLogger, Connection, Logger, Startable, Stream } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'

export const BUNDLE_PROTOCOL = '/ferry/bundle/1.0.0'
const TIMEOUT_MS = 10_000

export interface BundlesComponents {
  registrar: Registrar
  logger: ComponentLogger
}

export interface BundlesInit {
  /** this device's encoded bundle, with a one-time prekey handed out to this requester only */
  provide(): Promise<Uint8Array>
}

export interface Bundles {
  /**
   * The connected peer's encoded bundle (not yet verified: the caller checks it).
   *
   * @throws when the stream fails or the answer is over MAX_BUNDLE_BYTES
   */
  fetch(connection: Connection, options?: AbortOptions): Promise<Uint8Array>
}

class BundlesService implements Bundles, Startable {
  private readonly log: Logger

  constructor (private readonly components: BundlesComponents, private readonly init: BundlesInit) {
    this.log = components.logger.forComponent('ferry:bundle')
  }

  readonly [Symbol.toStringTag] = 'ferry:bundle'

  async start (): Promise<void> {
    await this.components.registrar.handle(BUNDLE_PROTOCOL, async (stream) => this.answer(stream), { maxInboundStreams: 4, maxOutboundStreams: 4, runOnLimitedConnection: true })
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(BUNDLE_PROTOCOL)
  }

  private async answer (stream: Stream): Promise<void> {
    try {
      // the requester sends nothing: a byte from it is a protocol violation, and ends the stream
      stream.addEventListener('message', () => { stream.abort(new Error('a bundle request carries no data')) })
      await frameStream(stream, { maxDataLength: 0 }).write(await this.init.provide(), RAW, { signal: AbortSignal.timeout(TIMEOUT_MS) })
      await stream.close({ signal: AbortSignal.timeout(TIMEOUT_MS) })
    } catch (err: any) {
      this.log('could not answer a bundle request: %s', err.message)
      stream.abort(err)
    }
  }

  async fetch (connection: Connection, options: AbortOptions = {}): Promise<Uint8Array> {
    const signal = options.signal ?? AbortSignal.timeout(TIMEOUT_MS)
    const stream = await connection.newStream(BUNDLE_PROTOCOL, { signal, runOnLimitedConnection: true })
    try {
      const bytes = await frameStream(stream, { maxDataLength: MAX_BUNDLE_BYTES }).read(RAW, { signal })
      await stream.close({ signal }).catch(() => {})
      return bytes
    } catch (err: any) {
      stream.abort(err)
      throw err
    }
  }
}

export function bundles (init: BundlesInit): (components: BundlesComponents) => Bundles {
  return (components) => new BundlesService(components, init)
}
