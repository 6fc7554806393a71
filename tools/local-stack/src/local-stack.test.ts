import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { localStack } from './local-stack.js'
import { planLocalStack } from './plan.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const yaml = readFileSync(`${root}${localStack.configPath}`, 'utf8')
const re = (text: string) => text.replaceAll('.', '\\.')

/** The lines of a top-level block, e.g. `instances:`, up to the next top-level key. */
function block(key: string): string {
  const start = yaml.search(new RegExp(`^${key}:`, 'm'))
  expect(start, `${key}: in ${localStack.configPath}`).toBeGreaterThanOrEqual(0)
  const rest = yaml.slice(start + key.length + 1)
  const end = rest.search(/^\S/m)
  return end === -1 ? rest : rest.slice(0, end)
}

describe('the table matches examples/local.yaml', () => {
  it('has the same instances, with their roles, listen and admin addresses', () => {
    const instances = block('instances')
    const names = [...instances.matchAll(/^ {2}([\w-]+):/gm)].map((m) => m[1])
    expect(names).toEqual(localStack.instances.map((i) => i.name))
    for (const i of localStack.instances) {
      const listen =
        i.role === 'dns'
          ? `dns:\\s*\\n\\s+listen: \\[\\s*'${re(i.dnsAddress)}:${i.dnsPort}'\\s*\\]\\s*\\n` +
            `\\s+tls:\\s*\\n\\s+certificates: \\[\\{ certFile: var/tls/${i.name}\\.pem, keyFile: var/tls/${i.name}-key\\.pem \\}\\]\\s*\\n` +
            `\\s+doh: \\{ listen: \\['${re(i.dnsAddress)}:${i.dohPort}'\\], cors: \\{ allowOrigins: \\['\\*'\\] \\} \\}\\s*\\n` +
            `\\s+dot: \\{ listen: \\['${re(i.dnsAddress)}:${i.dotPort}'\\] \\}`
          : `edge: \\{ listen: \\['${re(i.httpAddress)}:${i.httpPort}'\\][^}]*\\}`
      const entry = new RegExp(
        `^ {2}${i.name}:\\s*\\n\\s+${listen}\\s*\\n` +
          `\\s+admin: \\{ address: ${re(i.adminAddress)}, port: ${i.adminPort} \\}`,
        'm',
      )
      expect(instances).toMatch(entry)
    }
  })

  it('has the same endpoints in pool app, with their stacks', () => {
    const pools = block('pools')
    const names = [...pools.matchAll(/- \{ name: ([\w-]+),/g)].map((m) => m[1])
    expect(names).toEqual(localStack.endpoints.map((e) => e.name))
    for (const e of localStack.endpoints) {
      expect(pools).toMatch(
        new RegExp(
          `- \\{ name: ${e.name}, address: ${re(e.address)}, port: ${e.port}, .*stack: ${e.stack} \\}`,
        ),
      )
    }
  })

  it('lists the DoH JSON URL of each nameserver in the example page', () => {
    const page = readFileSync(`${root}${localStack.page.dir}/app.js`, 'utf8')
    for (const i of localStack.instances) {
      if (i.role === 'dns') expect(page).toContain(`'https://${i.dnsAddress}:${i.dohPort}/resolve'`)
    }
  })

  it('has the same check timing', () => {
    const check = /^ {4}check: \{(.*)\}$/m.exec(block('pools'))?.[1] ?? ''
    const field = (name: string) => Number(new RegExp(`\\b${name}: (\\d+)`).exec(check)?.[1])
    expect({
      intervalMs: field('intervalMs'),
      timeoutMs: field('timeoutMs'),
      rise: field('rise'),
      fall: field('fall'),
    }).toEqual(localStack.check)
  })
})

describe('planLocalStack', () => {
  const plan = planLocalStack('/repo', localStack, { restartAfterMs: 15_000 })

  it('claims every address and port before starting', () => {
    const claims = plan.claims.map((c) => `${c.protocol} ${c.address}:${c.port}`)
    expect(claims).toEqual([
      'tcp 127.0.0.11:8080',
      'tcp 127.0.0.12:8080',
      'tcp 127.0.0.13:8080',
      'tcp 127.0.0.1:8090',
      'udp 127.0.0.1:5300',
      'tcp 127.0.0.1:5300',
      'tcp 127.0.0.1:8443',
      'tcp 127.0.0.1:8853',
      'tcp 127.0.0.1:9301',
      'udp 127.0.0.2:5300',
      'tcp 127.0.0.2:5300',
      'tcp 127.0.0.2:8443',
      'tcp 127.0.0.2:8853',
      'tcp 127.0.0.1:9302',
      'tcp 127.0.0.1:8080',
      'tcp 127.0.0.1:9311',
    ])
  })

  it('makes the local CA and a certificate per nameserver before anything starts', () => {
    expect(plan.certificates).toEqual({
      root: '/repo',
      names: [
        { name: 'ns1', address: '127.0.0.1', host: 'ns1.nines.test' },
        { name: 'ns2', address: '127.0.0.2', host: 'ns2.nines.test' },
      ],
    })
  })

  it('starts the endpoints and the page, restartable, before the daemons, which are not', () => {
    const [endpoints = [], daemons = []] = plan.phases
    expect(endpoints.map((c) => [c.name, c.restartAfterMs, c.readyUrl])).toEqual([
      ['a', 15_000, 'http://127.0.0.11:8080/health'],
      ['b', 15_000, 'http://127.0.0.12:8080/health'],
      ['c', 15_000, 'http://127.0.0.13:8080/health'],
      ['page', 15_000, 'http://127.0.0.1:8090/'],
    ])
    expect(endpoints[3]?.args).toEqual([
      '/repo/tools/local-stack/dist/page-main.js',
      ...['--address', '127.0.0.1', '--port', '8090'],
      ...['--mount', '/=examples/browser', '--mount', '/client/=packages/client/dist'],
    ])
    expect(endpoints[1]?.args).toEqual([
      '/repo/tools/stacks/dist/main.js',
      ...['--stack', 'hono', '--name', 'b', '--address', '127.0.0.12', '--port', '8080'],
    ])
    expect(daemons.map((c) => [c.name, c.restartAfterMs, c.readyUrl, c.cwd])).toEqual([
      ['ns1', undefined, 'http://127.0.0.1:9301/readyz', '/repo'],
      ['ns2', undefined, 'http://127.0.0.1:9302/readyz', '/repo'],
      ['edge1', undefined, 'http://127.0.0.1:9311/readyz', '/repo'],
    ])
    expect(daemons[1]?.args).toEqual([
      '/repo/apps/dns-server/dist/main.js',
      ...['--config', 'examples/local.yaml', '--instance', 'ns2'],
    ])
    expect(plan.requiredFiles.map((f) => f.path)).toEqual([
      '/repo/apps/dns-server/dist/main.js',
      '/repo/apps/edge-router/dist/main.js',
      '/repo/tools/stacks/dist/main.js',
      '/repo/tools/local-stack/dist/page-main.js',
      '/repo/packages/client/dist/index.js',
    ])
  })

  it('starts a daemon only for roles it has one for', () => {
    const dnsOnly = planLocalStack('/repo', localStack, {
      daemonMains: { dns: 'apps/dns-server/dist/main.js' },
    })
    const [, daemons = []] = dnsOnly.phases
    expect(daemons.map((c) => c.name)).toEqual(['ns1', 'ns2'])
    expect(dnsOnly.claims.some((c) => c.owner.startsWith('edge1'))).toBe(false)
    expect(dnsOnly.banner).toContain(
      '  edge1 nines-edge not started: the local stack does not run nines-edge yet',
    )
  })

  it('starts edge instances with the daemon of their role once there is one', () => {
    const withEdge = planLocalStack('/repo', localStack, {
      daemonMains: { dns: 'apps/dns-server/dist/main.js', edge: 'apps/edge-router/dist/main.js' },
    })
    const [, daemons = []] = withEdge.phases
    expect(daemons.map((c) => [c.name, c.args[0], c.readyUrl])).toEqual([
      ['ns1', '/repo/apps/dns-server/dist/main.js', 'http://127.0.0.1:9301/readyz'],
      ['ns2', '/repo/apps/dns-server/dist/main.js', 'http://127.0.0.1:9302/readyz'],
      ['edge1', '/repo/apps/edge-router/dist/main.js', 'http://127.0.0.1:9311/readyz'],
    ])
    expect(withEdge.claims.filter((c) => c.owner.startsWith('edge1'))).toEqual([
      { protocol: 'tcp', address: '127.0.0.1', port: 8080, owner: 'edge1 HTTP' },
      { protocol: 'tcp', address: '127.0.0.1', port: 9311, owner: 'edge1 admin' },
    ])
    expect(withEdge.requiredFiles.map((f) => f.label)).toEqual([
      'apps/dns-server/dist/main.js',
      'apps/edge-router/dist/main.js',
      'tools/stacks/dist/main.js',
      'tools/local-stack/dist/page-main.js',
      'packages/client/dist/index.js',
    ])
    expect(withEdge.banner).toContain(
      '  edge1 nines-edge HTTP http://127.0.0.1:8080, admin http://127.0.0.1:9311',
    )
  })

  const text = () => plan.banner.join('\n')

  it('prints commands that use the table', () => {
    expect(plan.banner).toEqual(
      expect.arrayContaining([
        '  dig @127.0.0.1 -p 5300 app.nines.test',
        '  dig @127.0.0.2 -p 5300 app.nines.test SRV',
        '  curl -s http://127.0.0.1:9301/status',
        "  curl -s 'http://127.0.0.1:9301/explain?name=app.nines.test&type=A&client=127.0.0.1'   # what a client gets, and why",
        '  npm run -s nines-edge -- override app/b clear --config examples/local.yaml',
        '  curl -s --resolve app.nines.test:8080:127.0.0.1 http://app.nines.test:8080/',
        "  curl -s --cacert var/tls/ca.pem 'https://127.0.0.1:8443/resolve?name=app.nines.test&type=A'",
        '  kdig @127.0.0.2 -p 8443 +https +tls-ca=var/tls/ca.pem app.nines.test   # RFC 8484',
        '  kdig @127.0.0.1 -p 8853 +tls-ca=var/tls/ca.pem app.nines.test   # DoT',
        'In a browser (DoH JSON through fetch, both nameservers, @nines/client): http://127.0.0.1:8090/',
        '  page example page http://127.0.0.1:8090/ (examples/browser/)',
        'Ctrl-C stops everything.',
      ]),
    )
    expect(text()).toContain(
      '--ignore-certificate-errors-spki-list="$(for n in ns1 ns2; do openssl x509 -in var/tls/$n.pem -pubkey',
    )
    expect(text()).toContain(
      'within about 2 s (3.5 s if it hangs), and returns within about 1.5 s of healing',
    )
    expect(text()).toMatch(
      /curl -X POST http:\/\/127\.0\.0\.12:8080\/__nines\/crash +# exits; restarted after 15 s/,
    )
  })
})
