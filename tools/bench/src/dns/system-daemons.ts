// The peers come from Debian packages whose services would share CPU 0 with the server under test.
// If one runs as a system service, stop it through its init script (never by killing it by name).
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { descendants, processTable } from '../lib/proc-tree.js'

/** process name (comm) → its Debian service */
const services: Readonly<Record<string, string>> = { nsd: 'nsd', pdns_server: 'pdns', gdnsd: 'gdnsd' }

function foreignDaemons(): { pid: number; comm: string }[] {
  const table = processTable()
  const ours = new Set(descendants(process.pid, table))
  const found: { pid: number; comm: string }[] = []
  for (const pid of table.keys()) {
    if (ours.has(pid)) continue
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
      if (comm in services) found.push({ pid, comm })
    } catch {
      // gone
    }
  }
  return found
}

/** Stops peer daemons running as system services; returns those still running (`comm[pid]`). */
export function stopSystemDaemons(): string[] {
  const running = foreignDaemons()
  for (const service of new Set(running.map((d) => services[d.comm]!))) {
    if (!existsSync(`/etc/init.d/${service}`)) continue
    console.warn(`stopping the system service ${service} for the bench`)
    try {
      execFileSync('service', [service, 'stop'], { stdio: 'ignore', timeout: 20_000 })
    } catch {
      // reported below if it is still running
    }
  }
  const left = foreignDaemons().map((d) => `${d.comm}[${d.pid}]`)
  if (left.length) console.warn(`peer daemons not started by the bench are running: ${left.join(', ')}`)
  return left
}
