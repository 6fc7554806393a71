import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

/** The lines of a second-level entry of a block, e.g. pool `app` of `pools:`, up to the next one. */
function entry(text: string, key: string): string {
  const start = text.search(new RegExp(`^ {2}${key}:`, 'm'))
  expect(start, `${key}: in ${localStack.configPath}`).toBeGreaterThanOrEqual(0)
  const rest = text.slice(start + key.length + 3)
  const end = rest.search(/^ {2}\S/m)
  return end === -1 ? rest : rest.slice(0, end)
}

describe('the table matches examples/local.yaml', () => {
  it('has the same instances, with their roles, listen and admin addresses and state directories', () => {
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
          : `edge: \\{ listen: \\['${re(i.httpAddress)}:${i.httpPort}'\\], region: local, zone: ${i.zone}[^}]*\\}`
      const pattern = new RegExp(
        `^ {2}${i.name}:\\s*\\n\\s+${listen}\\s*\\n` +
          `\\s+admin: \\{ address: ${re(i.adminAddress)}, port: ${i.adminPort} \\}\\s*\\n` +
          `\\s+stateDir: ${re(i.stateDir)}\\n`,
        'm',
      )
      expect(instances).toMatch(pattern)
    }
  })

  it('has the same endpoints in pools app and cms, with their zones and stacks', () => {
    const pools = block('pools')
    for (const pool of ['app', 'cms'] as const) {
      const text = entry(pools, pool)
      const names = [...text.matchAll(/- \{ name: ([\w-]+),/g)].map((m) => m[1])
      const endpoints = localStack.endpoints.filter((e) => e.pool === pool)
      expect(names).toEqual(endpoints.map((e) => e.name))
      for (const e of endpoints) {
        expect(text).toMatch(
          new RegExp(
            `- \\{ name: ${e.name}, address: ${re(e.address)}, port: ${e.port}, labels: \\{ region: local, zone: ${e.zone}, stack: ${e.stack} \\} \\}`,
          ),
        )
      }
    }
  })

  it('answers app.nines.test with pool edges: the routers, each in its zone', () => {
    const edges = entry(block('pools'), 'edges')
    const routers = localStack.instances.filter((i) => i.role === 'edge')
    const names = [...edges.matchAll(/- \{ name: ([\w-]+),/g)].map((m) => m[1])
    expect(names).toEqual(routers.map((i) => i.name))
    for (const i of routers) {
      expect(edges).toContain(
        `- { name: ${i.name}, address: ${i.httpAddress}, port: ${i.httpPort}, labels: { region: local, zone: ${i.zone} } }`,
      )
    }
    expect(block('dns')).toMatch(/ {8}app:\s*\n\s+pool: edges\s*\n\s+policy:[^]*locality: \{ mode: first \}/)
  })

  it('has the same localities', () => {
    const localities = [...block('dns').matchAll(/- \{ cidr: ([\d.]+)\/32, region: local, zone: (\w+) \}/g)]
    expect(localities.map(([, address, zone]) => ({ address, zone }))).toEqual(localStack.localities)
  })

  it('lists the DoH JSON URL of each nameserver in the example page', () => {
    const page = readFileSync(`${root}${localStack.page.dir}/app.js`, 'utf8')
    for (const i of localStack.instances) {
      if (i.role === 'dns') expect(page).toContain(`'https://${i.dnsAddress}:${i.dohPort}/resolve'`)
    }
  })

  it('has the same check timing', () => {
    for (const pool of ['app', 'edges'] as const) {
      const check = /check:\s*\{([^}]*)\}/.exec(entry(block('pools'), pool))?.[1] ?? ''
      const field = (name: string) => Number(new RegExp(`\\b${name}: (\\d+)`).exec(check)?.[1])
      expect({
        intervalMs: field('intervalMs'),
        timeoutMs: field('timeoutMs'),
        rise: field('rise'),
        fall: field('fall'),
      }).toEqual(localStack.checks[pool])
    }
  })
})

describe('planLocalStack', () => {
  const plan = planLocalStack('/repo', localStack, { restartAfterMs: 15_000, daemonRestartAfterMs: 10_000 })

  it('claims every address and port before starting, each with its owner', () => {
    const claims = plan.claims.map((c) => `${c.protocol} ${c.address}:${c.port} ${c.owner}`)
    expect(claims).toEqual([
      'tcp 127.0.0.11:8080 endpoint a1',
      'tcp 127.0.0.12:8080 endpoint b1',
      'tcp 127.0.0.13:8080 endpoint c1',
      'tcp 127.0.0.21:8080 endpoint a2',
      'tcp 127.0.0.22:8080 endpoint b2',
      'tcp 127.0.0.23:8080 endpoint c2',
      'tcp 127.0.0.30:8080 endpoint cms',
      'tcp 127.0.0.1:8090 example page',
      'udp 127.0.0.1:5300 ns1 DNS',
      'tcp 127.0.0.1:5300 ns1 DNS',
      'tcp 127.0.0.1:8443 ns1 DoH',
      'tcp 127.0.0.1:8853 ns1 DoT',
      'tcp 127.0.0.1:9301 ns1 admin',
      'udp 127.0.0.2:5300 ns2 DNS',
      'tcp 127.0.0.2:5300 ns2 DNS',
      'tcp 127.0.0.2:8443 ns2 DoH',
      'tcp 127.0.0.2:8853 ns2 DoT',
      'tcp 127.0.0.1:9302 ns2 admin',
      'tcp 127.0.0.1:8080 edge1 HTTP',
      'tcp 127.0.0.1:9311 edge1 admin',
      'tcp 127.0.0.2:8080 edge2 HTTP',
      'tcp 127.0.0.1:9312 edge2 admin',
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

  it('starts the endpoints and the page, then the routers, then the nameservers, all restartable', () => {
    const [endpoints = [], routers = [], nameservers = [], ...rest] = plan.phases
    expect(rest).toEqual([])
    expect(endpoints.map((c) => [c.name, c.restartAfterMs, c.readyUrl])).toEqual([
      ['a1', 15_000, 'http://127.0.0.11:8080/health'],
      ['b1', 15_000, 'http://127.0.0.12:8080/health'],
      ['c1', 15_000, 'http://127.0.0.13:8080/health'],
      ['a2', 15_000, 'http://127.0.0.21:8080/health'],
      ['b2', 15_000, 'http://127.0.0.22:8080/health'],
      ['c2', 15_000, 'http://127.0.0.23:8080/health'],
      ['cms', 15_000, 'http://127.0.0.30:8080/health'],
      ['page', 15_000, 'http://127.0.0.1:8090/'],
    ])
    expect(endpoints.at(-1)?.args).toEqual([
      '/repo/tools/local-stack/dist/page-main.js',
      ...['--address', '127.0.0.1', '--port', '8090'],
      ...['--mount', '/=examples/browser', '--mount', '/client/=packages/client/dist'],
    ])
    expect(endpoints[4]?.args).toEqual([
      '/repo/tools/stacks/dist/main.js',
      ...['--stack', 'hono', '--name', 'b2', '--address', '127.0.0.22', '--port', '8080'],
    ])
    expect(endpoints[6]?.args).toEqual([
      '/repo/tools/stacks/dist/main.js',
      ...['--stack', 'cms', '--name', 'cms', '--address', '127.0.0.30', '--port', '8080'],
    ])
    expect([...routers, ...nameservers].map((c) => [c.name, c.restartAfterMs, c.readyUrl, c.cwd])).toEqual([
      ['edge1', 10_000, 'http://127.0.0.1:9311/readyz', '/repo'],
      ['edge2', 10_000, 'http://127.0.0.1:9312/readyz', '/repo'],
      ['ns1', 10_000, 'http://127.0.0.1:9301/readyz', '/repo'],
      ['ns2', 10_000, 'http://127.0.0.1:9302/readyz', '/repo'],
    ])
    expect(routers[1]?.args).toEqual([
      '/repo/apps/edge-router/dist/main.js',
      ...['--config', 'examples/local.yaml', '--instance', 'edge2'],
    ])
    expect(nameservers[1]?.args).toEqual([
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
    expect(dnsOnly.phases.map((phase) => phase.at(-1)?.name)).toEqual(['page', 'ns2'])
    expect(dnsOnly.claims.some((c) => c.owner.startsWith('edge'))).toBe(false)
    expect(dnsOnly.banner).toContain(
      '  edge2 nines-edge not started: the local stack does not run nines-edge yet',
    )
  })

  const text = () => plan.banner.join('\n')

  it('prints what runs where, in under 45 lines', () => {
    expect(plan.banner.length).toBeLessThanOrEqual(45)
    expect(plan.banner).toEqual(
      expect.arrayContaining([
        '  ns1   nines-dns  DNS 127.0.0.1:5300 (UDP, TCP), DoH https://127.0.0.1:8443/dns-query and /resolve, DoT 127.0.0.1:8853, admin http://127.0.0.1:9301',
        '  edge2 nines-edge HTTP http://127.0.0.2:8080, zone z2, admin http://127.0.0.1:9312',
        '  b1    stack      http://127.0.0.12:8080, zone z1, hono',
        '  c2    stack      http://127.0.0.23:8080, zone z2, raw',
        '  cms   CMS        http://127.0.0.30:8080, zone z1, /cms/faq and /cms/banner',
        '  page  example    http://127.0.0.1:8090/ (examples/browser/)',
        'Whatever exits is started again: stacks, the CMS and the page after 15 s, daemons after 10 s.',
      ]),
    )
  })

  it('prints commands that use the table', () => {
    expect(plan.banner).toEqual(
      expect.arrayContaining([
        '  dig @127.0.0.1 -p 5300 app.nines.test +noall +answer   # edge1 first: 127.0.0.1 is in z1',
        '  dig @127.0.0.2 -p 5300 -b 127.0.0.2 app.nines.test +noall +answer   # edge2 first: 127.0.0.2 is in z2',
        '  curl -s http://127.0.0.1:9301/status   # pools as ns1 sees them (ns2: http://127.0.0.1:9302/status)',
        "  curl -s 'http://127.0.0.1:9301/explain?name=app.nines.test&type=A&client=127.0.0.2'   # what a client gets, and why",
        "  curl -s --resolve app.nines.test:8080:127.0.0.1 'http://app.nines.test:8080/api/balance?account=alice'   # the answer names the stack that served",
        "  curl -s --resolve app.nines.test:8080:127.0.0.2 'http://app.nines.test:8080/cms/faq'   # the CMS, cached by the router (max-age=30)",
        '  curl -s http://127.0.0.1:9311/status   # pools as edge1 sees them (edge2: http://127.0.0.1:9312/status)',
        `  kill $(grep -o '"pid":[0-9]*' var/edge1/lock | cut -d: -f2)`,
        `  kill $(grep -o '"pid":[0-9]*' var/ns1/lock | cut -d: -f2)`,
        '  npm run -s nines-edge -- override app/b1 drain --reason maintenance --config examples/local.yaml       # on both routers',
        '  npm run -s nines-edge -- override edges/edge1 drain --reason maintenance --config examples/local.yaml  # on both nameservers',
        "  curl -s --cacert var/tls/ca.pem 'https://127.0.0.1:8443/resolve?name=app.nines.test&type=A'",
        '  kdig @127.0.0.2 -p 8443 +https +tls-ca=var/tls/ca.pem app.nines.test   # RFC 8484',
        '  kdig @127.0.0.1 -p 8853 +tls-ca=var/tls/ca.pem app.nines.test   # DoT',
        'In a browser (DoH JSON through fetch, both nameservers, @nines/client): http://127.0.0.1:8090/',
        'Ctrl-C stops everything.',
      ]),
    )
    expect(text()).toContain(
      '--ignore-certificate-errors-spki-list="$(for n in ns1 ns2; do openssl x509 -in var/tls/$n.pem -pubkey',
    )
    expect(text()).toContain(
      'within about 2 s (3.5 s if it hangs), and take it back within about 1.5 s of healing',
    )
    // The edges' check falls after 2 failures: 1 s, then 0.5 s.
    expect(text()).toContain('DNS stops answering edge1 within about 1.5 s')
    expect(text()).toMatch(
      /curl -X POST http:\/\/127\.0\.0\.12:8080\/__nines\/crash +# exits; restarted after 15 s/,
    )
  })

  it('kills a daemon with the pid its state directory holds while it runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nines-banner-'))
    try {
      // The lock as nines' state directory writes it (packages/daemon/src/state-dir.ts).
      mkdirSync(join(dir, 'var/edge1'), { recursive: true })
      const lock = { pid: 4242, owner: 'edge1', since: new Date(0).toISOString() }
      writeFileSync(join(dir, 'var/edge1/lock'), JSON.stringify(lock) + '\n')
      const line = plan.banner.find((l) => l.includes('var/edge1/lock'))?.trim() ?? ''
      expect(line).toMatch(/^kill \$\(/)
      const pid = execFileSync('sh', ['-c', line.replace(/^kill /, 'echo ')], { cwd: dir, encoding: 'utf8' })
      expect(pid).toBe('4242\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
