/**
 * The first message to a new contact, invite in hand, both online (TCP on loopback, production
 * nodes with SQLite): from adding the contact by its invite until the receipt of the first message
 * is recorded — dial, Noise, the PQXDH set-up from the invite's bundle, the first ratchet message,
 * the durable store and the signed receipt. Baseline, in the same run: four round trips of the raw
 * echo (one stream, 1 KiB) plus the compute of one PQXDH set-up (both sides); the target
 * is a ratio <= 1.
 */
import { startEchoServer, echoBench } from './echo.js'
import { pqxdhSetupMs } from './crypto.js'
import { ferryNode } from './nodes.js'
import { percentile } from './index.js'
import type { Row } from './index.js'

const RUNS = 7
const TCP = '/ip4/127.0.0.1/tcp/0'

export async function firstContactBench (): Promise<Row[]> {
  const echo = await startEchoServer(TCP)
  let rtt: number
  try {
    rtt = (await echoBench(echo.address)).oneStream.p50
  } finally {
    await echo.node.stop()
  }
  const setup = await pqxdhSetupMs()
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const waiting = new Map<string, () => void>()
    const b = await ferryNode([TCP])
    const a = await ferryNode([TCP], id => { waiting.get(id)?.() })
    try {
      const invite = await b.ferry.roster.invite()
      const t0 = performance.now()
      await a.ferry.roster.add('b', invite)
      const sent = await a.ferry.conversations.send('b', 'hello')
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error('first message: no receipt within 30 s')) }, 30_000)
        waiting.set(sent.id, () => { clearTimeout(timer); resolve() })
        void a.ferry.conversations.history({ contact: 'b' }).then(h => { if (h.find(m => m.id === sent.id)?.status === 'delivered') waiting.get(sent.id)?.() })
      })
      times.push(performance.now() - t0)
    } finally {
      await a.close()
      await b.close()
    }
  }
  const first = percentile(times.sort((x, y) => x - y), 0.5)
  const floor = 4 * rtt + setup
  return [
    { name: 'first_contact.tcp.ms', unit: 'ms', value: first, baseline: floor, ratio: first / floor },
    { name: 'first_contact.floor.rtt4_plus_pqxdh_ms', unit: 'ms', value: floor },
    { name: 'first_contact.pqxdh_compute_ms', unit: 'ms', value: setup }
  ]
}
