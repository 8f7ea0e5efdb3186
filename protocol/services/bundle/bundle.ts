import { MAX_BUNDLE_BYTES } from '../../crypto/bundle.js'
import { TokenBuckets } from '../streams/budget.js'
import { frameStream, RAW } from '../streams/frames.js'
import { ANSWERS_PER_MINUTE, ANSWERS_PER_PEER_PER_MINUTE, BUNDLE_PROTOCOL, MAX_STREAMS, ONE_TIME_FOR_STRANGERS_PER_HOUR, ONE_TIME_PER_CONTACT_PER_HOUR, ONE_TIME_PER_STRANGER_PER_HOUR, TIMEOUT_MS } from './constants.js'
import { BundleBudgetError } from './errors.js'
import type { Bundles, BundlesComponents, BundlesInit } from './index.js'
import type { AbortOptions, Connection, Logger, Startable, Stream } from '@libp2p/interface'

export class BundlesService implements Bundles, Startable {
  private readonly log: Logger
  private readonly answers: TokenBuckets
  private readonly allAnswers: TokenBuckets
  private readonly contactOneTime: TokenBuckets
  private readonly strangerOneTime: TokenBuckets
  private readonly allStrangersOneTime: TokenBuckets

  constructor (private readonly components: BundlesComponents, private readonly init: BundlesInit) {
    this.log = components.logger.forComponent('ferry:bundle')
    const now = init.now ?? Date.now
    this.answers = new TokenBuckets(ANSWERS_PER_PEER_PER_MINUTE / 60, ANSWERS_PER_PEER_PER_MINUTE, now)
    this.allAnswers = new TokenBuckets(ANSWERS_PER_MINUTE / 60, ANSWERS_PER_MINUTE, now)
    this.contactOneTime = TokenBuckets.perHour(ONE_TIME_PER_CONTACT_PER_HOUR, now)
    this.strangerOneTime = TokenBuckets.perHour(ONE_TIME_PER_STRANGER_PER_HOUR, now)
    this.allStrangersOneTime = TokenBuckets.perHour(ONE_TIME_FOR_STRANGERS_PER_HOUR, now)
  }

  readonly [Symbol.toStringTag] = 'ferry:bundle'

  async start (): Promise<void> {
    await this.components.registrar.handle(BUNDLE_PROTOCOL, async (stream, connection) => this.answer(stream, connection), { maxInboundStreams: MAX_STREAMS, maxOutboundStreams: MAX_STREAMS, runOnLimitedConnection: true })
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(BUNDLE_PROTOCOL)
  }

  private async answer (stream: Stream, connection: Connection): Promise<void> {
    // the requester sends nothing: a byte from it is a protocol violation, and ends the stream
    stream.addEventListener('message', () => { stream.abort(new Error('a bundle request carries no data')) })
    const peer = connection.remotePeer
    const key = peer.toString()
    try {
      if (!this.answers.has(key) || !this.allAnswers.has('all')) throw new BundleBudgetError('too many bundle requests')
      this.answers.take(key)
      this.allAnswers.take('all')
      const contact = await this.init.isContact?.(peer) ?? false
      const oneTime = contact ? this.contactOneTime.take(key) : this.strangerOneTime.has(key) && this.allStrangersOneTime.take('all') && this.strangerOneTime.take(key)
      const bytes = await this.init.provide({ peer, oneTime, stranger: !contact })
      await frameStream(stream, { maxDataLength: 0 }).write(bytes, RAW, { signal: AbortSignal.timeout(TIMEOUT_MS) })
      await stream.close({ signal: AbortSignal.timeout(TIMEOUT_MS) })
    } catch (err: any) {
      this.log('could not answer a bundle request from %p: %s', peer, err.message)
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
