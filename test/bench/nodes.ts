/** A Ferry node as the benchmarks use it: production createFerry, SQLite in a temp dir, node transports and crypto. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFerry, createIdentity } from '../../protocol/index.js'
import { nodeCrypto } from '../../node/crypto.js'
import { SqliteContactStore } from '../../node/store/contacts.js'
import { SqliteMessageStore } from '../../node/store/messages.js'
import { SqlitePrekeyStore } from '../../node/store/prekeys.js'
import { SqliteFileStore } from '../../node/store/files.js'
import { openDatabase } from '../../node/store/sqlite.js'
import { nodeTransports } from '../../node/transports.js'
import type { Ferry } from '../../protocol/index.js'

export interface BenchNode { ferry: Ferry, close(): Promise<void> }

/**
 * @param onDelivered - called with each message id whose receipt the outbox recorded (observed
 * through the store the outbox writes receipts to)
 */
export async function ferryNode (listen: string[], onDelivered: (id: string) => void = () => {}): Promise<BenchNode> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-'))
  const db = openDatabase(join(dir, 'ferry.db'))
  const messages = new SqliteMessageStore(db)
  const markDelivered = messages.markDelivered.bind(messages)
  messages.markDelivered = async (receipts) => { await markDelivered(receipts); for (const r of receipts) onDelivered(r.id) }
  const ferry = await createFerry({ identity: await createIdentity(), stores: { contacts: new SqliteContactStore(db), messages, prekeys: new SqlitePrekeyStore(db), files: new SqliteFileStore(db) }, transports: nodeTransports(), crypto: nodeCrypto(), listen })
  await ferry.start()
  return {
    ferry,
    close: async () => {
      await ferry.stop()
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
