/**
 * The far side of the benchmarks, in its own process as a real peer is: a raw echo server and a
 * Ferry node on the given listen address. Prints {"echo", "ferry"} addresses as one JSON line, then
 * takes the sender's address as a line on stdin and adds it as a contact (a stranger's messages
 * would wait as a capped request), answers "ready", and runs until its stdin closes.
 */
import { startEchoServer } from './echo.js'
import { ferryNode } from './nodes.js'

const listen = process.argv[2]
const echo = await startEchoServer(listen)
const ferry = await ferryNode([listen])
process.stdout.write(JSON.stringify({ echo: echo.address, ferry: ferry.ferry.addresses()[0] }) + '\n')
let input = ''
process.stdin.on('data', d => {
  input += String(d)
  const nl = input.indexOf('\n')
  if (nl < 0) return
  const sender = input.slice(0, nl)
  input = input.slice(nl + 1)
  ferry.ferry.roster.add('a', sender).then(() => process.stdout.write('ready\n'), (err: Error) => {
    process.stderr.write(`bench peer: cannot add the sender: ${err.message}\n`)
    process.exit(1)
  })
})
process.stdin.on('end', () => {
  void Promise.all([echo.node.stop(), ferry.close()]).finally(() => process.exit(0))
})
