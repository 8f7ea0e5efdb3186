/**
 * An in-process Ferry peer on real SQLite (a file in a temp dir) and TCP on 127.0.0.1, which can
 * be stopped and started again on the same files: the offline halves of mailbox tests.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tcp } from '@libp2p/tcp'
import { createFerry, createIdentity } from '../../protocol/index.js'
import { nodeCrypto } from '../../node/crypto.js'
import { SqliteContactStore } from '../../node/store/contacts.js'
import { SqliteMailboxStore } from '../../node/store/mailbox.js'
import { SqliteMessageStore } from '../../node/store/messages.js'
import { SqlitePrekeyStore } from '../../node/store/prekeys.js'
import { openDatabase } from '../../node/store/sqlite.js'
import type { Ferry, FerryOptions, Identity } from '../../protocol/index.js'
import type { DatabaseSync } from 'node:sqlite'

export class SqlitePeer {
  ferry?: Ferry
  db?: DatabaseSync
  private constructor (readonly name: string, readonly dir: string, readonly identity: Identity, private readonly options: Partial<FerryOptions>) {}

  static async create (name: string, options: Partial<FerryOptions> = {}): Promise<SqlitePeer> {
    const dir = await mkdtemp(join(tmpdir(), `ferry-${name}-`))
    return new SqlitePeer(name, dir, await createIdentity(), options)
  }

  get path (): string {
    return join(this.dir, 'ferry.db')
  }

  get node (): Ferry {
    if (this.ferry == null) throw new Error(`${this.name} is not running`)
    return this.ferry
  }

  get peerId (): string {
    return this.identity.deviceKey.publicKey.toString()
  }

  async start (): Promise<Ferry> {
    const db = openDatabase(this.path)
    this.db = db
    this.ferry = await createFerry({
      identity: this.identity,
      name: this.name,
      stores: { contacts: new SqliteContactStore(db), messages: new SqliteMessageStore(db), prekeys: new SqlitePrekeyStore(db), mailbox: new SqliteMailboxStore(db) },
      transports: [tcp()],
      listen: ['/ip4/127.0.0.1/tcp/0'],
      crypto: nodeCrypto(),
      dht: false,
      ...this.options
    })
    await this.ferry.start()
    return this.ferry
  }

  async stop (): Promise<void> {
    await this.ferry?.stop()
    this.ferry = undefined
    if (this.db?.isOpen === true) this.db.close()
  }

  async remove (): Promise<void> {
    await this.stop()
    await rm(this.dir, { recursive: true, force: true })
  }
}

/** Make two running peers contacts of each other by invite. */
export async function befriend (a: SqlitePeer, b: SqlitePeer): Promise<void> {
  await a.node.addContact(b.name, await b.node.invite())
  await b.node.addContact(a.name, await a.node.invite())
}

/** Poll `fn` until it returns true, or fail after `ms` with `what`. */
export async function until (what: string, fn: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!await fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}
