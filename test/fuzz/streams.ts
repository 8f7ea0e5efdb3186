/**
 * Stream-level fuzzing: random and mutated frames on every protocol a Ferry node serves, sent by a
 * stranger over the memory transport to a real node (DHT server, mailbox host), one stream each;
 * every `checkEvery` streams, and at the end, a contact's real message must still be delivered.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { memory } from '@libp2p/memory'
import { yamux } from '@libp2p/yamux'
import fc from 'fast-check'
import { createLibp2p } from 'libp2p'
import { DHT_PROTOCOL } from '../../protocol/directory/dht.js'
import { createIdentity, DM_PROTOCOL, memoryStores } from '../../protocol/index.js'
import { BUNDLE_PROTOCOL } from '../../protocol/services/bundle/index.js'
import { MAILBOX_PROTOCOL } from '../../protocol/mailbox/index.js'
import { memoryFerries } from '../memory-ferries.js'
import { PROTOCOL_WINDOWED } from '../../protocol/services/dm/constants.js'
import { fuzzInput } from './inputs.js'
import type { FuzzTarget } from './targets.js'
import type { Ferry } from '../../protocol/index.js'

const PROTOCOLS = [DM_PROTOCOL, PROTOCOL_WINDOWED, MAILBOX_PROTOCOL, BUNDLE_PROTOCOL, DHT_PROTOCOL, '/ipfs/id/1.0.0', '/ipfs/ping/1.0.0']

function frame (body: Uint8Array): Uint8Array {
  const len: number[] = []
  let n = body.length
  do { len.push((n % 128) | (n >= 128 ? 0x80 : 0)); n = Math.floor(n / 128) } while (n > 0)
  return Uint8Array.of(...len, ...body)
}

async function delivered (from: Ferry, to: Ferry, text: string): Promise<void> {
  await from.conversations.send('victim', text)
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if ((await to.conversations.history()).some(m => m.text === text)) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`the node stopped answering: "${text}" was not delivered`)
}

/**
 * @param targets - whose seeds, framed, are the mutated frames
 * @returns streams sent per protocol
 * @throws when the node stops delivering a contact's messages
 */
export async function fuzzStreams (targets: FuzzTarget[], streams: number, seed: number, checkEvery = 100): Promise<Record<string, number>> {
  const nodes = memoryFerries('fuzz')
  const attacker = await createLibp2p({ privateKey: (await createIdentity()).deviceKey, transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  try {
    const victim = await nodes.node('victim', { dht: 'server', stores: memoryStores({ mailbox: true }) })
    const friend = await nodes.node('friend')
    await friend.roster.add('victim', await victim.roster.invite())
    await victim.roster.add('friend', await friend.roster.invite())
    await attacker.start()
    const seeds = targets.flatMap(t => t.seeds).filter(s => s.byteLength < 100_000)
    const payload = fc.oneof(
      fuzzInput(seeds),
      fuzzInput(seeds).map(frame),
      fc.array(fuzzInput(seeds).map(frame), { minLength: 1, maxLength: 4 }).map(fs => Uint8Array.from(fs.flatMap(f => [...f])))
    )
    const inputs = fc.sample(fc.tuple(fc.nat({ max: PROTOCOLS.length - 1 }), payload, fc.boolean()), { seed, numRuns: streams })
    const sent: Record<string, number> = Object.fromEntries(PROTOCOLS.map(p => [p, 0]))
    const addr = victim.libp2p.getMultiaddrs()[0]
    for (const [i, [p, bytes, close]] of inputs.entries()) {
      const stream = await attacker.dialProtocol(addr, PROTOCOLS[p], { runOnLimitedConnection: true }).catch(() => undefined)
      if (stream != null) {
        try {
          stream.send(bytes)
          if (close) await stream.close({ signal: AbortSignal.timeout(2_000) })
        } catch {}
        stream.abort(new Error('fuzz input sent'))
        sent[PROTOCOLS[p]]++
      }
      if ((i + 1) % checkEvery === 0) await delivered(friend, victim, `still here after ${i + 1} fuzzed streams`)
    }
    await delivered(friend, victim, `still here after all ${streams} fuzzed streams`)
    return sent
  } finally {
    await attacker.stop()
    await nodes.stop()
  }
}
