/**
 * `/ferry/blob/1.0.0`: sealed file chunks by content address. The asker writes one BlobRequest
 * (a root and at most MAX_INDICES indices) and reads one BlobChunk frame per index, in order (an
 * empty chunk: not held here); one request per stream, FETCH_STREAMS streams in flight per holder
 * (the window). A holder serves only what it holds, to any peer that names the root: the root is
 * learnt from the announcement, and a chunk is useless without the key that travelled with it.
 *
 * @example
 * for await (const c of node.services.blob.fetch(connection, root, [0, 1, 2])) store(c.index, c.data)
 */
import { frameStream } from '../services/streams/frames.js'
import { toHex } from '../util/bytes.js'
import { BLOB_PROTOCOL, MAX_CHUNK_FRAME, MAX_INDICES, MAX_SERVING, MAX_STREAMS, REQUEST_TIMEOUT_MS } from './constants.js'
import { BlobChunk, BlobRequest } from './pb/blob.js'
import type { AbortOptions, ComponentLogger, Connection, Logger, Startable, Stream } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'

export interface BlobComponents {
  registrar: Registrar
  logger: ComponentLogger
}

export interface BlobInit {
  /** the sealed chunk `index` of the file `root` (hex), when this node holds it */
  chunk?(root: string, index: number): Promise<Uint8Array | undefined>
  /** told of every chunk served (to count what left this node) */
  served?(bytes: number): void
}

export interface BlobExchange {
  /**
   * Ask a connected holder for chunks of `root`; yields each chunk it holds, in the order asked.
   *
   * @throws when the stream fails or the holder breaks the protocol (an oversized frame, a chunk not asked for)
   */
  fetch(connection: Connection, root: Uint8Array, indices: number[], options?: AbortOptions): AsyncGenerator<BlobChunk>
}

export class BlobService implements BlobExchange, Startable {
  private readonly log: Logger
  private serving = 0
  private readonly waiting: Array<() => void> = []

  constructor (private readonly components: BlobComponents, private readonly init: BlobInit) {
    this.log = components.logger.forComponent('ferry:blob')
  }

  readonly [Symbol.toStringTag] = 'ferry:blob'

  async start (): Promise<void> {
    await this.components.registrar.handle(BLOB_PROTOCOL, async (stream, connection) => this.answer(stream, connection), { maxInboundStreams: MAX_STREAMS, maxOutboundStreams: MAX_STREAMS, runOnLimitedConnection: true })
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(BLOB_PROTOCOL)
  }

  private async answer (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    try {
      const frames = frameStream(stream, { maxDataLength: 32 + 8 + MAX_INDICES * 6, frameDeadlineMs: REQUEST_TIMEOUT_MS })
      const req = await frames.read(BlobRequest, { signal })
      if (req.root.byteLength !== 32 || req.indices.length === 0 || req.indices.length > MAX_INDICES) throw new Error('a blob request names a 32-byte root and 1 to 32 chunks')
      const root = toHex(req.root)
      for (const index of req.indices) {
        await this.slot()
        try {
          const data = await this.init.chunk?.(root, index) ?? new Uint8Array(0)
          await frames.write({ index, data }, BlobChunk, { signal })
          if (data.byteLength > 0) this.init.served?.(data.byteLength)
        } finally {
          this.release()
        }
      }
      await stream.close({ signal })
    } catch (err: any) {
      this.log('blob request from %p ended: %s', connection.remotePeer, err.message)
      stream.abort(err)
    }
  }

  /** At most MAX_SERVING chunk reads and writes at once, whoever asks. */
  private async slot (): Promise<void> {
    if (this.serving < MAX_SERVING) {
      this.serving++
      return
    }
    await new Promise<void>(resolve => this.waiting.push(resolve))
  }

  private release (): void {
    const next = this.waiting.shift()
    if (next != null) next()
    else this.serving--
  }

  async * fetch (connection: Connection, root: Uint8Array, indices: number[], options: AbortOptions = {}): AsyncGenerator<BlobChunk> {
    if (indices.length === 0 || indices.length > MAX_INDICES) throw new RangeError(`ask for 1 to ${MAX_INDICES} chunks at a time`)
    const signal = options.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    const stream = await connection.newStream(BLOB_PROTOCOL, { signal, runOnLimitedConnection: true })
    try {
      const frames = frameStream(stream, { maxDataLength: MAX_CHUNK_FRAME, frameDeadlineMs: REQUEST_TIMEOUT_MS })
      await frames.write({ root, indices }, BlobRequest, { signal })
      for (const index of indices) {
        const c = await frames.read(BlobChunk, { signal })
        if (c.index !== index) throw new Error(`the holder answered chunk ${c.index} where ${index} was asked`)
        yield c
      }
      await stream.close({ signal }).catch(() => {})
    } catch (err: any) {
      stream.abort(err)
      throw err
    } finally {
      if (stream.status === 'open') stream.abort(new Error('fetch abandoned'))
    }
  }
}

/** The blob service for createLibp2p's `services`. */
export function blobService (init: BlobInit): (components: BlobComponents) => BlobExchange {
  return (components) => new BlobService(components, init)
}
