/**
 * Length-prefixed frames on a libp2p stream, read with a bound on every byte a peer can make this
 * node hold: the shared reader and writer of `/ferry/dm`, `/ferry/mailbox` and `/ferry/bundle`
 * (used like @libp2p/utils `pbStream`).
 *
 * Why not `pbStream`: its `lpStream.read` retries the varint after every RangeError and checks
 * `maxLengthLength` only once a varint decodes. 0xff bytes never decode, so it keeps each one
 * until the read's timeout — 8 MiB of 0xff took a daemon's heap from 17 to 927 MiB
 * (docs/security/wire.md). Here the frame is parsed as bytes arrive:
 *
 * - a length prefix longer than the largest allowed frame needs (3 bytes for a 68 KiB envelope)
 *   or naming more than `maxDataLength` aborts the stream at once, before a body byte is kept;
 * - a frame must arrive whole within `frameDeadlineMs` of its first byte (a peer dripping one byte
 *   a minute holds nothing for long), on top of the callers' idle timeouts between frames;
 * - complete frames wait for the reader up to `maxQueuedBytes`; beyond that the stream is paused,
 *   which stops the muxer's window updates: backpressure instead of buffering.
 *
 * The wire format is the usual unsigned-varint length prefix, so peers running pbStream interoperate.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import type { AbortOptions, Stream } from '@libp2p/interface'

/** How long one frame may take from its first byte to its last unless the caller says otherwise. */
export const FRAME_DEADLINE_MS = 60_000

/** A length prefix is malformed, longer than the largest frame needs, or names too large a frame. */
export class FrameLengthError extends Error {
  override name = 'FrameLengthError'
}

/** A frame did not arrive whole within its deadline. */
export class FrameTimeoutError extends Error {
  override name = 'FrameTimeoutError'
}

/** The stream ended: cleanly between frames, or in the middle of one (the message says which). */
export class UnexpectedEOFError extends Error {
  override name = 'UnexpectedEOFError'
}

/** How a value becomes a frame's body: protons messages fit, and so does RAW. */
export interface Encoder<T> { encode(value: T): Uint8Array }
/** How a frame's body becomes a value. */
export interface Decoder<T> { decode(bytes: Uint8Array): T }
export interface Codec<T> extends Encoder<T>, Decoder<T> {}

/** Bytes as they are: an envelope is encoded once, by the sender, and hashed from those bytes. */
export const RAW: Codec<Uint8Array> = { encode: (b) => b, decode: (b) => b }

/** Bytes of the unsigned varint that encodes `n`. */
export function varintLength (n: number): number {
  let bytes = 1
  while (n >= 0x80) {
    n = Math.floor(n / 0x80)
    bytes++
  }
  return bytes
}

function encodeVarint (n: number): Uint8Array {
  const out = new Uint8Array(varintLength(n))
  for (let i = 0; i < out.length; i++) {
    out[i] = (n % 0x80) | (i < out.length - 1 ? 0x80 : 0)
    n = Math.floor(n / 0x80)
  }
  return out
}

/**
 * Splits incoming bytes into frames as they arrive. Holds at most one partial frame (header bytes
 * and at most `maxDataLength` body bytes); `push` throws FrameLengthError on a bad prefix.
 */
export class FrameParser {
  private readonly maxHeader: number
  private headerBytes = 0
  private length = 0
  private body?: Uint8Array
  private filled = 0
  private count = 0

  /**
   * @param maxDataLength - the largest frame body accepted (a non-negative integer)
   * @param onFrame - called with each complete frame, a copy that owns its memory
   */
  constructor (private readonly maxDataLength: number, private readonly onFrame: (frame: Uint8Array) => void) {
    if (!Number.isSafeInteger(maxDataLength) || maxDataLength < 0) throw new RangeError('"maxDataLength" must be a non-negative integer')
    this.maxHeader = varintLength(maxDataLength)
  }

  /** Frames completed so far. */
  get completed (): number {
    return this.count
  }

  /** Whether a frame has begun and not yet ended. */
  get partial (): boolean {
    return this.headerBytes > 0 || this.body != null
  }

  /** @throws FrameLengthError when the length prefix is too long or names too large a frame */
  push (chunk: Uint8Array): void {
    let i = 0
    while (i < chunk.byteLength) {
      if (this.body == null) {
        const b = chunk[i++]
        if (this.headerBytes === this.maxHeader) throw new FrameLengthError(`length prefix longer than the ${this.maxHeader} bytes a ${this.maxDataLength}-byte frame needs`)
        this.length += (b & 0x7f) * 2 ** (7 * this.headerBytes++)
        if (b >= 0x80) continue
        if (this.length > this.maxDataLength) throw new FrameLengthError(`frame of ${this.length} bytes exceeds ${this.maxDataLength}`)
        this.body = new Uint8Array(this.length)
        this.filled = 0
      } else {
        const n = Math.min(this.length - this.filled, chunk.byteLength - i)
        this.body.set(chunk.subarray(i, i + n), this.filled)
        this.filled += n
        i += n
      }
      if (this.body != null && this.filled === this.length) {
        const frame = this.body
        this.body = undefined
        this.headerBytes = 0
        this.length = 0
        this.count++
        this.onFrame(frame)
      }
    }
  }
}

export interface FrameStreamInit {
  /** the largest frame body this side reads; a longer length prefix ends the stream */
  maxDataLength: number
  /** a frame must be whole this long after its first byte (default FRAME_DEADLINE_MS) */
  frameDeadlineMs?: number
  /** complete frames held for the reader before the stream is paused (default 4 × maxDataLength, at least 64 KiB) */
  maxQueuedBytes?: number
}

/**
 * Frames in and out of one stream. Reading starts at once (a listener on the stream); every
 * violation aborts the stream and fails the current and later reads with its error.
 *
 * @example
 * const frames = frameStream(stream, { maxDataLength: MAX_ENVELOPE_BYTES })
 * const reply = await frames.read(DmReply, { signal })
 * await frames.writeV([a, b], RAW)
 */
export class FrameStream {
  private readonly parser: FrameParser
  private readonly queue: Uint8Array[] = []
  private queued = 0
  private failure?: Error
  private wake?: () => void
  private partialSince = 0
  private timer?: ReturnType<typeof setTimeout>
  private readonly deadline: number
  private readonly maxQueued: number

  constructor (readonly stream: Stream, init: FrameStreamInit) {
    this.parser = new FrameParser(init.maxDataLength, frame => {
      this.queue.push(frame)
      this.queued += frame.byteLength
    })
    this.deadline = init.frameDeadlineMs ?? FRAME_DEADLINE_MS
    this.maxQueued = init.maxQueuedBytes ?? Math.max(4 * init.maxDataLength, 64 * 1024)
    stream.addEventListener('message', evt => { this.receive(evt.data) })
    const notify = (): void => { this.notify() }
    stream.addEventListener('remoteCloseWrite', notify)
    stream.addEventListener('end', notify)
    stream.addEventListener('close', evt => {
      clearTimeout(this.timer)
      if (evt.error != null) this.failure ??= evt.error
      this.notify()
    })
  }

  /**
   * The next frame, decoded.
   *
   * @throws FrameLengthError | FrameTimeoutError | UnexpectedEOFError | the codec's error | the stream's error | the signal's reason
   */
  async read<T> (codec: Decoder<T>, options: AbortOptions = {}): Promise<T> {
    return codec.decode(await this.next(options))
  }

  /** Write one frame. */
  async write<T> (value: T, codec: Encoder<T>, options: AbortOptions = {}): Promise<void> {
    await this.writeV([value], codec, options)
  }

  /** Write several frames in one send (one muxer frame, one syscall). */
  async writeV<T> (values: T[], codec: Encoder<T>, options: AbortOptions = {}): Promise<void> {
    const list = new Uint8ArrayList()
    for (const v of values) {
      const bytes = codec.encode(v)
      list.append(encodeVarint(bytes.byteLength), bytes)
    }
    if (this.stream.send(list)) return
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        this.stream.removeEventListener('drain', onDrain)
        this.stream.removeEventListener('close', onClose)
        options.signal?.removeEventListener('abort', onAbort)
        if (err == null) resolve()
        else reject(err)
      }
      const onDrain = (): void => { done() }
      const onClose = (evt: { error?: Error }): void => { done(evt.error ?? new UnexpectedEOFError('the stream closed before the write completed')) }
      const onAbort = (): void => { done(options.signal?.reason ?? new Error('aborted')) }
      this.stream.addEventListener('drain', onDrain)
      this.stream.addEventListener('close', onClose)
      options.signal?.addEventListener('abort', onAbort)
      if (options.signal?.aborted === true) onAbort()
    })
  }

  private async next (options: AbortOptions): Promise<Uint8Array> {
    while (true) {
      const frame = this.queue.shift()
      if (frame != null) {
        this.queued -= frame.byteLength
        if (this.stream.readStatus === 'paused' && this.queued <= this.maxQueued / 2 && this.failure == null) this.stream.resume()
        return frame
      }
      if (this.failure != null) throw this.failure
      if (this.ended()) {
        throw new UnexpectedEOFError(this.parser.partial ? 'the stream ended in the middle of a frame' : 'the stream ended')
      }
      options.signal?.throwIfAborted()
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => { reject(options.signal?.reason ?? new Error('aborted')) }
        this.wake = () => {
          options.signal?.removeEventListener('abort', onAbort)
          resolve()
        }
        options.signal?.addEventListener('abort', onAbort, { once: true })
      })
    }
  }

  /** No more data will come: the remote closed its end and nothing is left to dispatch. */
  private ended (): boolean {
    const s = this.stream
    return (s.remoteWriteStatus !== 'writable' || s.readStatus === 'closed') && s.readBufferLength === 0
  }

  private receive (data: Uint8Array | Uint8ArrayList): void {
    if (this.failure != null) return
    const before = this.parser.completed
    try {
      if (data instanceof Uint8Array) this.parser.push(data)
      else for (const chunk of data) this.parser.push(chunk)
    } catch (err: any) {
      this.fail(err)
      return
    }
    // a frame that began in this chunk (none finished, or one finished before it) starts its clock now
    if (this.parser.completed !== before || !this.parser.partial) this.partialSince = 0
    if (this.parser.partial) this.armDeadline()
    if (this.queued > this.maxQueued && this.stream.readStatus !== 'paused') this.stream.pause()
    this.notify()
  }

  /** One timer per stream: it fires at the current partial frame's deadline, or re-arms for a later one. */
  private armDeadline (): void {
    if (this.partialSince === 0) this.partialSince = Date.now()
    if (this.timer != null) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (!this.parser.partial || this.failure != null) return
      if (Date.now() - this.partialSince >= this.deadline) this.fail(new FrameTimeoutError(`a frame did not arrive within ${this.deadline} ms`))
      else this.armDeadline()
    }, Math.max(1, this.partialSince + this.deadline - Date.now()))
  }

  private fail (err: Error): void {
    if (this.failure != null) return
    this.failure = err
    clearTimeout(this.timer)
    this.stream.abort(err)
    this.notify()
  }

  private notify (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}

/** Frames on `stream`, bounded by `init` (see FrameStream). */
export function frameStream (stream: Stream, init: FrameStreamInit): FrameStream {
  return new FrameStream(stream, init)
}

/**
 * Watch a stream another reader consumes (kad-dht's, which uses lpStream): parse its frames as
 * they arrive and abort the stream at the first length prefix over `maxDataLength`, or a frame
 * slower than its deadline, before that reader buffers it. Frames themselves are not kept. Call it
 * before the other reader listens, so the guard sees each chunk first.
 */
export function guardFrames (stream: Stream, init: Omit<FrameStreamInit, 'maxQueuedBytes'>): void {
  const parser = new FrameParser(init.maxDataLength, () => {})
  const deadline = init.frameDeadlineMs ?? FRAME_DEADLINE_MS
  let timer: ReturnType<typeof setTimeout> | undefined
  let failed = false
  const fail = (err: Error): void => {
    if (failed) return
    failed = true
    clearTimeout(timer)
    stream.abort(err)
  }
  stream.addEventListener('message', evt => {
    if (failed) return
    const before = parser.completed
    try {
      if (evt.data instanceof Uint8Array) parser.push(evt.data)
      else for (const chunk of evt.data) parser.push(chunk)
    } catch (err: any) {
      // the other reader never sees this chunk
      evt.stopImmediatePropagation()
      fail(err)
      return
    }
    // a frame that began in this chunk gets a fresh deadline
    if (!parser.partial || parser.completed !== before) {
      clearTimeout(timer)
      timer = undefined
    }
    if (parser.partial && timer == null) {
      timer = setTimeout(() => { fail(new FrameTimeoutError(`a frame did not arrive within ${deadline} ms`)) }, deadline)
    }
  })
  stream.addEventListener('close', () => { clearTimeout(timer) })
}
