/**
 * What kad-dht reads from the network, bounded from outside it. kad-dht reads its messages with
 * @libp2p/utils' lpStream, which keeps every byte of a length prefix that never ends (0xff...)
 * until its 10 s timeout — enough to exhaust a daemon's heap (docs/security/wire.md). kad-dht
 * takes no reader, so its components are wrapped: every /ferry/kad stream, the ones it answers
 * (registrar.handle) and the ones it opens (connectionManager.openStream), gets a frame guard
 * (services/frames.ts guardFrames) that resets the stream at the first bad length prefix.
 */
import { guardFrames } from '../services/streams/frames.js'
import type { Connection, Stream, StreamHandler } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'

/**
 * Largest kad-dht message accepted, in either direction: a PUT_VALUE carries at most one 4 KiB
 * record, and an answer at most K closer peers with their addresses. A longer frame resets the
 * stream.
 */
export const DHT_MAX_MESSAGE_BYTES = 64 * 1024

/** A DHT message must arrive whole this long after its first byte (kad-dht's own timeout is 10 s). */
export const DHT_FRAME_DEADLINE_MS = 10_000

/** The components kad-dht sees, with the streams of `protocol` guarded. */
export function guardDhtStreams<C extends { registrar: Registrar, connectionManager: ConnectionManager }> (components: C, protocol: string): C {
  const guard = (stream: Stream): Stream => {
    guardFrames(stream, { maxDataLength: DHT_MAX_MESSAGE_BYTES, frameDeadlineMs: DHT_FRAME_DEADLINE_MS })
    return stream
  }
  const registrar = delegate(components.registrar, {
    handle: async (p: string, handler: StreamHandler, options?: Parameters<Registrar['handle']>[2]) => {
      const guarded = p === protocol ? (stream: Stream, connection: Connection) => handler(guard(stream), connection) : handler
      await components.registrar.handle(p, guarded, options)
    }
  })
  const connectionManager = delegate(components.connectionManager, {
    openStream: async (...args: Parameters<ConnectionManager['openStream']>) => {
      const stream = await components.connectionManager.openStream(...args)
      return stream.protocol === protocol ? guard(stream) : stream
    }
  })
  return delegate(components, { registrar, connectionManager })
}

/** `target` with some properties replaced; every other property and method is the target's own. */
function delegate<T extends object> (target: T, overrides: Record<string, unknown>): T {
  return new Proxy(target, {
    get (t, prop) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop]
      const value = Reflect.get(t, prop)
      return typeof value === 'function' ? value.bind(t) : value
    }
  })
}
