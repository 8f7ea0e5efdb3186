/**
 * The far side of the benchmarks, in its own process as a real peer is: a raw echo server and a
 * Ferry node on the given listen address. Prints {"echo", "ferry"} addresses as one JSON line and
 * runs until its stdin closes.
 */
import { startEchoServer } from './echo.js'
import { ferryNode } from './nodes.js'

const listen = process.argv[2]
const echo = await startEchoServer(listen)
const ferry = await ferryNode([listen])
process.stdout.write(JSON.stringify({ echo: echo.address, ferry: ferry.ferry.addresses()[0] }) + '\n')
process.stdin.resume()
process.stdin.on('end', () => {
  void Promise.all([echo.node.stop(), ferry.close()]).finally(() => process.exit(0))
})
