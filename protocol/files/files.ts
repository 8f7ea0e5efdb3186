/**
 * Files: the feature. Sending seals a file into chunks held here and announces it (key, size,
 * type, chunk count, root, plaintext hash) inside a ratchet-encrypted message. A recipient
 * fetches the chunks it lacks from the sender over `/ferry/blob` (resumable: what is held is
 * never asked for again), or takes them from its mailboxes, where the sender left them next to
 * the message when the recipient was away. Every chunk is checked against the announcement
 * before it is kept; a file is complete once every chunk is held and the hashes match. Files
 * live as long as their message: a disappearing one is deleted, chunks and key, at its time.
 */
import { InvalidEnvelopeError, InvalidInputError, UnknownFileError } from '../errors.js'
import { Envelope } from '../pb/ferry.js'
import { unpad } from '../messaging/envelope.js'
import { toHex } from '../util/bytes.js'
import { Sweeper } from '../util/timers.js'
import { chunkEnvelope, ChunkError, checkRef, openChunk, rootOf } from './chunks.js'
import { sealInto } from './sending.js'
import type { FileStats, FileView, SendMeta } from './types.js'
import type { GroupMessage } from '../groups/history.js'
import { DEFAULT_MAX_FILE_BYTES, DEPOSIT_CHUNKS, FETCH_STREAMS, MAX_INDICES, MAX_ORPHAN_BYTES, ORPHAN_MS, RETRY_MS } from './constants.js'
import type { BlobExchange } from './blob.js'
import { sha256Hasher } from '../crypto/backend.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { FerryServices, MessageView } from '../ferry-types.js'
import type { Depositable } from '../mailbox/sender.js'
import type { Custody, QueuedMessage } from '../stores/stores.js'
import type { FileStore, StoredChunk, StoredFile } from '../stores/files.js'
import type { ChunkRef, FileRef } from '../pb/ferry.js'
import type { Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'

export interface FilesComponents {
  libp2p: Libp2p<FerryServices>
  store: FileStore
  crypto: CryptoBackend
  now(): number
  log: Logger
  /** the largest file sent or taken (DEFAULT_MAX_FILE_BYTES) */
  maxFileBytes?: number
  /** the contact's first device (throws UnknownContactError) */
  contactPeer(name: string): Promise<string>
  /** send the announcing message (Conversations.send with a file and a chosen id) */
  announce(name: string, caption: string, file: FileRef, options: { id: Uint8Array, ttlMs?: number }): Promise<MessageView>
  /** send the announcing message to a team room (Groups.send with a file); absent without rooms */
  announceRoom?(group: string, caption: string, file: FileRef, ttlMs?: number): Promise<GroupMessage>
  /** a connection to `peer` (a contact's device, or an own one) */
  connect(peer: string): Promise<Connection>
  /** who may leave chunks at this node's mailboxes for it: a contact or an own device */
  isContact(peer: string): Promise<boolean>
  /** deposit envelopes for `peer` at its mailboxes; undefined: it gave no capability */
  deposit?(peer: string, items: Depositable[]): Promise<Map<string, Custody[]> | undefined>
}

export type { FileStats, FileView, SendMeta } from './types.js'

export class Files {
  readonly stats: FileStats = { servedChunks: 0, servedBytes: 0, fetchedChunks: 0 }
  private readonly sweeper: Sweeper
  /** files being fetched, by root: one fetch per file at a time */
  private readonly fetches = new Map<string, Promise<void>>()
  /** chunks from a mailbox refused this run, per root: said in the file's error until it completes */
  private readonly refused = new Map<string, number>()
  /** chunk deposits done this run, per message and device */
  private readonly deposited = new Set<string>()
  private timer?: ReturnType<typeof setInterval>
  /** bytes of chunks waiting for their announcement: read once, then counted (forgotten when some are claimed or swept) */
  private orphans?: number
  private readonly onConnect = (e: CustomEvent<PeerId>): void => { this.retry(e.detail.toString()) }
  private running = false

  constructor (private readonly c: FilesComponents) {
    this.sweeper = new Sweeper({ sweep: async now => { this.orphans = undefined; return await c.store.sweep(now) }, next: async () => c.store.nextExpiry(), now: c.now, onError: err => { c.log.error('file sweep failed - %e', err) } })
  }

  get maxFileBytes (): number { return this.c.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES }

  async start (): Promise<void> {
    this.running = true
    await this.sweeper.start()
    this.c.libp2p.addEventListener('peer:connect', this.onConnect)
    this.timer = setInterval(() => { this.retry() }, RETRY_MS)
    this.retry()
  }

  async stop (): Promise<void> {
    this.running = false
    clearInterval(this.timer)
    this.c.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.sweeper.stop()
    await Promise.allSettled(this.fetches.values())
  }

  /** The chunk a peer asks for over /ferry/blob, when held. */
  async serve (root: string, index: number): Promise<Uint8Array | undefined> { return this.c.store.chunk(root, index) }

  /** A chunk left this node over /ferry/blob. */
  served (bytes: number): void { this.stats.servedChunks++; this.stats.servedBytes += bytes }

  /**
   * Seal a file and send it to contact `name`: the chunks are kept here (to serve and, when the
   * contact is away, to leave at its mailboxes), and the message announcing them is queued.
   *
   * @throws UnknownContactError | InvalidInputError (too large: nothing is kept)
   */
  async send (name: string, source: AsyncIterable<Uint8Array>, meta: SendMeta): Promise<MessageView> {
    const peer = await this.c.contactPeer(name)
    const ref = await sealInto(this.c, this.maxFileBytes, source, meta)
    const id = this.c.crypto.randomBytes(16)
    const file: StoredFile = { id: toHex(id), direction: 'out', peer, ref, status: 'complete', createdAt: this.c.now() }
    await this.c.store.putFile(file)
    let view: MessageView
    try {
      view = await this.c.announce(name, meta.caption ?? '', ref, { id, ttlMs: meta.ttlMs })
    } catch (err) {
      await this.c.store.dropFile(file.id, 'out', peer)
      throw err
    }
    if (view.disappearing === true) await this.expireWith(file, view.expiresAt)
    return { ...view, file: this.view(file, ref.chunks) }
  }

  /**
   * Seal a file and send it to a team room: every member fetches it from this device (docs/FILES.md).
   *
   * @throws UnknownRoomError | InvalidInputError (too large, or no rooms here: nothing is kept)
   */
  async sendToRoom (group: string, source: AsyncIterable<Uint8Array>, meta: SendMeta): Promise<GroupMessage & { file: FileView }> {
    if (this.c.announceRoom == null) throw new InvalidInputError('this node keeps no team rooms')
    const ref = await sealInto(this.c, this.maxFileBytes, source, meta)
    let sent: GroupMessage
    try {
      sent = await this.c.announceRoom(group, meta.caption ?? '', ref, meta.ttlMs)
    } catch (err) {
      await this.c.store.dropChunks(toHex(ref.root))
      throw err
    }
    const file: StoredFile = { id: sent.id, direction: 'out', peer: `room:${sent.group}`, ref, status: 'complete', createdAt: this.c.now() }
    await this.c.store.putFile(file)
    if (sent.expiresAt > 0) await this.expireWith(file, sent.expiresAt)
    return { ...sent, file: this.view(file, ref.chunks) }
  }

  private async expireWith (file: StoredFile, at: number): Promise<void> {
    await this.c.store.putFile({ ...file, expiresAt: at })
    this.sweeper.arm(at)
  }

  /**
   * A contact's message announced a file (the Inbox, before the message is acknowledged): keep
   * the announcement and start fetching from `m.peer`. Idempotent. `out`: this person's other
   * device sent it (a sent copy): kept as sent, fetched from that device.
   *
   * @throws InvalidEnvelopeError when the announcement is malformed (the message is refused)
   */
  async announced (ref: FileRef, m: { id: string, peer: string, createdAt: number, expiresAt: number, disappearing: boolean }, direction: 'in' | 'out' = 'in'): Promise<void> {
    try {
      checkRef(ref)
    } catch (err: any) {
      throw new InvalidEnvelopeError(err.message)
    }
    if (await this.c.store.getFile(m.id, direction, m.peer) != null) return
    this.orphans = undefined // its chunks that came first are claimed now
    const over = ref.size > this.maxFileBytes
    const file: StoredFile = { id: m.id, direction, peer: m.peer, ref, status: over ? 'failed' : 'fetching', createdAt: this.c.now(), expiresAt: m.disappearing ? m.expiresAt : undefined }
    if (over) file.error = `the file is ${ref.size} bytes, over the ${this.maxFileBytes} bytes this node takes`
    await this.c.store.putFile(file)
    if (file.expiresAt != null) this.sweeper.arm(file.expiresAt)
    if (!over) this.fetchSoon(file)
  }

  /**
   * A chunk envelope collected from one of this node's mailboxes. A chunk of a file being fetched
   * is checked and kept (a bad one is dropped, and fetched from the sender instead); one that came
   * before its announcement is kept unchecked for ORPHAN_MS, within MAX_ORPHAN_BYTES.
   *
   * @throws InvalidEnvelopeError when it is not from a contact or not a chunk (it is dropped at the host)
   */
  async acceptChunk (env: Envelope, from: PeerId): Promise<{ storedAt: number }> {
    const ref = env.chunk as ChunkRef
    if (!await this.c.isContact(from.toString())) throw new InvalidEnvelopeError('file chunks come from contacts only')
    if (ref.root.byteLength !== 32) throw new InvalidEnvelopeError('a chunk envelope names a 32-byte root')
    const data = unpad(env.payload)
    const root = toHex(ref.root)
    const storedAt = this.c.now()
    const file = await this.c.store.fileByRoot(root)
    if (file?.status === 'fetching') {
      try {
        await openChunk(this.c.crypto, file.ref, ref.index, data)
      } catch (err: any) {
        this.c.log('refused chunk %d of %s from a mailbox: %s', ref.index, file.id, err.message)
        this.refused.set(root, (this.refused.get(root) ?? 0) + 1)
        this.fetchSoon(file)
        return { storedAt }
      }
      await this.c.store.putChunks(root, [{ index: ref.index, data }])
      this.fetchSoon(file)
      return { storedAt }
    }
    if (file != null) return { storedAt } // complete (or given up) already
    this.orphans ??= await this.c.store.orphanBytes() // one read per mailbox round, not one per chunk
    if (this.orphans + data.byteLength > MAX_ORPHAN_BYTES) throw new InvalidEnvelopeError('too many chunks wait for their announcement here')
    await this.c.store.putChunks(root, [{ index: ref.index, data }], Math.min(env.expiresAt, storedAt + ORPHAN_MS))
    if (this.orphans != null) this.orphans += data.byteLength // (unless an announcement came meanwhile: read again next time)
    return { storedAt }
  }

  /**
   * The outbox is about to leave messages for `peer` at its mailboxes: the chunks of the files
   * they announce go first, at the same hosts, living as long as the message. A host that
   * refuses them (over quota) is logged; the recipient then fetches from this node when both
   * are online.
   */
  async beforeDeposit (peer: string, messages: QueuedMessage[]): Promise<void> {
    const deposit = this.c.deposit
    if (deposit == null) return
    for (const f of await this.c.store.filesOf(messages.map(m => m.id))) {
      const m = messages.find(q => q.id === f.id)
      const key = `${f.id}/${peer}`
      if (f.direction !== 'out' || m == null || this.deposited.has(key)) continue
      this.deposited.add(key)
      const env = Envelope.decode(m.envelope)
      let refused = 0
      for (let i = 0; i < f.ref.chunks; i += DEPOSIT_CHUNKS) {
        const items: Depositable[] = []
        for (let j = i; j < Math.min(f.ref.chunks, i + DEPOSIT_CHUNKS); j++) {
          const data = await this.c.store.chunk(toHex(f.ref.root), j)
          if (data == null) throw new Error(`chunk ${j} of file ${f.id} is not held here`)
          items.push(await chunkEnvelope(this.c.crypto, f.ref.root, j, data, env))
        }
        const custody = await deposit(peer, items)
        if (custody == null) return
        refused += items.filter(it => (custody.get(it.id) ?? []).length === 0).length
      }
      if (refused > 0) {
        const why = `${refused} of ${f.ref.chunks} chunks were refused by the recipient's mailboxes (over quota?): the file goes directly when both are online`
        this.c.log('file %s to %s: %s', f.id, peer, why)
        await this.c.store.putFile({ ...f, error: why })
      }
    }
  }

  /** Fetch every incomplete file (or those `peer` may hold) again. */
  retry (peer?: string): void {
    if (!this.running) return
    void this.c.store.fetching().then(files => {
      for (const f of files) if (peer == null || f.peer === peer) this.fetchSoon(f)
    }).catch((err: any) => { this.c.log('could not list files to fetch: %s', err.message) })
  }

  private fetchSoon (file: StoredFile): void {
    const root = toHex(file.ref.root)
    if (this.fetches.has(root) || !this.running) return
    const work = this.fetch(file).catch((err: any) => { this.c.log('fetching file %s: %s', file.id, err.message) }).finally(() => this.fetches.delete(root))
    this.fetches.set(root, work)
  }

  /** Check what is held, fetch what is missing from the sender, and finish when whole. */
  private async fetch (file: StoredFile): Promise<void> {
    const root = toHex(file.ref.root)
    const { missing, dropped } = await this.check(file)
    const refused = (this.refused.get(root) ?? 0) + dropped
    this.refused.set(root, refused)
    const problems: string[] = refused === 0 ? [] : [`${refused} chunk${refused === 1 ? '' : 's'} from a mailbox refused (altered, or of another file)`]
    if (missing.length > 0) {
      try {
        await this.fetchFrom(file, file.peer, missing)
      } catch (err: any) {
        problems.push(err instanceof ChunkError ? `the sender sent a bad chunk (${err.message})` : `the sender is not reachable now (${err.message as string})`)
      }
    }
    if (problems.length > 0) {
      this.c.log('file %s from %s: %s', file.id, file.peer, problems.join('; '))
      await this.c.store.putFile({ ...file, error: problems.join('; ') })
    }
    if ((await this.c.store.held(root)).length === file.ref.chunks) await this.finish(file)
  }

  /**
   * Check the chunks held for a file (those from a mailbox came unchecked when the announcement
   * was not here yet); drop the bad ones. @returns the indices still missing, and how many were dropped
   */
  private async check (file: StoredFile): Promise<{ missing: number[], dropped: number }> {
    const root = toHex(file.ref.root)
    const held = new Set(await this.c.store.held(root))
    const bad: number[] = []
    for (const i of held) {
      const data = await this.c.store.chunk(root, i)
      if (data == null || await openChunk(this.c.crypto, file.ref, i, data).then(() => false, () => true)) bad.push(i)
    }
    if (bad.length > 0) {
      await this.c.store.dropChunks(root, bad)
      for (const i of bad) held.delete(i)
    }
    return { missing: Array.from({ length: file.ref.chunks }, (_, i) => i).filter(i => !held.has(i)), dropped: bad.length }
  }

  /**
   * Fetch `missing` chunks from `peer`, FETCH_STREAMS requests of MAX_INDICES in flight, each
   * chunk checked before it is kept.
   *
   * @throws ChunkError when the holder sends a chunk that fails its checks (the rest is not asked of it)
   */
  private async fetchFrom (file: StoredFile, peer: string, missing: number[]): Promise<void> {
    const connection = await this.c.connect(peer)
    const root = toHex(file.ref.root)
    const queue: number[][] = []
    for (let i = 0; i < missing.length; i += MAX_INDICES) queue.push(missing.slice(i, i + MAX_INDICES))
    let failure: Error | undefined
    await Promise.all(Array.from({ length: FETCH_STREAMS }, async () => {
      for (let batch = queue.shift(); batch != null && failure == null && this.running; batch = queue.shift()) {
        const got: StoredChunk[] = []
        try {
          for await (const c of (this.c.libp2p.services.blob as BlobExchange).fetch(connection, file.ref.root, batch)) {
            if (c.data.byteLength === 0) continue
            await openChunk(this.c.crypto, file.ref, c.index, c.data)
            got.push({ index: c.index, data: c.data })
          }
        } catch (err: any) {
          failure ??= err
        } finally {
          // what passed its checks is kept even when the rest of the batch failed
          if (got.length > 0) await this.c.store.putChunks(root, got)
          this.stats.fetchedChunks += got.length
        }
      }
    }))
    if (failure != null) throw failure
  }

  /** Every chunk is held: check the root and the plaintext hash; complete, or start over. */
  private async finish (file: StoredFile): Promise<void> {
    const root = toHex(file.ref.root)
    const hashes: Uint8Array[] = []
    const plain = sha256Hasher(this.c.crypto)
    for (let i = 0; i < file.ref.chunks; i++) {
      const data = await this.c.store.chunk(root, i) as Uint8Array
      hashes.push(await this.c.crypto.sha256(data))
      plain.update(await openChunk(this.c.crypto, file.ref, i, data))
    }
    const ok = toHex(await rootOf(this.c.crypto, hashes)) === root && toHex(plain.digest()) === toHex(file.ref.sha256)
    if (!ok) {
      await this.c.store.dropChunks(root)
      await this.c.store.putFile({ ...file, status: 'failed', error: 'the file does not match its announced hash: it was dropped' })
      return
    }
    this.refused.delete(root)
    await this.c.store.putFile({ ...file, status: 'complete', error: undefined })
    this.c.log('file %s complete (%d bytes)', file.id, file.ref.size)
  }

  /**
   * The plaintext of a complete file, chunk by chunk, each checked again as it is opened.
   *
   * @throws InvalidInputError when there is no such file or it is not complete
   */
  async * open (id: string): AsyncGenerator<Uint8Array> {
    const file = await this.c.store.getFile(id, 'in') ?? await this.c.store.getFile(id, 'out')
    if (file == null) throw new UnknownFileError(`no file in message ${id}`)
    if (file.status !== 'complete') throw new InvalidInputError(`file ${file.ref.name} is not complete (${file.status}${file.error == null ? '' : `: ${file.error}`})`)
    const root = toHex(file.ref.root)
    for (let i = 0; i < file.ref.chunks; i++) {
      const data = await this.c.store.chunk(root, i)
      if (data == null) throw new InvalidInputError(`chunk ${i} of ${file.ref.name} is no longer held`)
      yield await openChunk(this.c.crypto, file.ref, i, data)
    }
  }

  /** The file of a message, when it carries one. */
  async get (id: string): Promise<StoredFile | undefined> {
    return await this.c.store.getFile(id, 'in') ?? await this.c.store.getFile(id, 'out')
  }

  /** Messages with the file each announces, as the history shows them. */
  async withFiles<M extends { id: string, direction: 'in' | 'out' }> (views: M[]): Promise<Array<M & { file?: FileView }>> {
    if (views.length === 0) return views
    const files = new Map<string, StoredFile>()
    for (const f of await this.c.store.filesOf(views.map(v => v.id))) files.set(`${f.direction}/${f.id}`, f)
    const out: Array<M & { file?: FileView }> = []
    for (const v of views) {
      const f = files.get(`${v.direction}/${v.id}`)
      out.push(f == null ? v : { ...v, file: this.view(f, f.status === 'complete' ? f.ref.chunks : (await this.c.store.held(toHex(f.ref.root))).length) })
    }
    return out
  }

  private view (f: StoredFile, held: number): FileView {
    const received = Math.min(f.ref.size, held * f.ref.chunkSize)
    const v: FileView = { name: f.ref.name, size: f.ref.size, type: f.ref.type, sha256: toHex(f.ref.sha256), status: f.status, received }
    if (f.error != null) v.error = f.error
    if (f.ref.thumbnail != null) v.thumbnail = f.ref.thumbnail
    return v
  }

  /** Sweep expired files now (tests, and the façade's sweepExpired). */
  async sweep (): Promise<number> {
    return this.sweeper.sweep()
  }
}
