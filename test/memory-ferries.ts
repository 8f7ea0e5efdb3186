/**
 * Standalone production createFerry nodes on the memory transport, for tests of one
 * connection-level behaviour (connection limits, keep-alive): DHT off so that no kad-dht dial or
 * tag takes part, connection monitor off, logging off. Each node listens on
 * /memory/<prefix>-<random>-<name> and is stopped by stop().
 */
import { memory } from '@libp2p/memory'
import { nodeCrypto } from '../node/crypto.js'
import { quietLogger } from '../node/sim/inprocess.js'
import { createFerry, createIdentity, memoryStores } from '../protocol/index.js'
import type { Ferry, FerryOptions } from '../protocol/index.js'

export interface MemoryFerries {
  /** a started node; `extra` overrides or adds options (connectionLimits, keepAlive, ...) */
  node(name: string, extra?: Partial<FerryOptions>): Promise<Ferry>
  stop(): Promise<void>
}

export function memoryFerries (prefix: string): MemoryFerries {
  const run = `${prefix}-${Math.random().toString(36).slice(2, 8)}`
  const made: Ferry[] = []
  return {
    async node (name, extra = {}) {
      const ferry = await createFerry({
        identity: await createIdentity(),
        name,
        stores: memoryStores(),
        transports: [memory()],
        listen: [`/memory/${run}-${name}`],
        crypto: nodeCrypto(),
        logger: quietLogger,
        dht: false,
        connectionMonitor: { enabled: false },
        ...extra
      })
      made.push(ferry)
      await ferry.start()
      return ferry
    },
    async stop () { await Promise.all(made.map(async f => f.stop())) }
  }
}
