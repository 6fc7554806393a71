// The example page's script: plain ES modules, no bundler. `/client/` is @nines/client's built browser
// entry (packages/client/dist), served beside this folder by the local stack's page server.
import { createBrowserResolver } from '/client/index.js'

const params = new URLSearchParams(location.search)
const servers = params.getAll('ns')
if (servers.length === 0) servers.push('https://127.0.0.1:8443/resolve', 'https://127.0.0.2:8443/resolve')
const name = params.get('name') ?? 'app.nines.test'
const number = (key, fallback) => (params.has(key) ? Number(params.get(key)) : fallback)

const resolver = createBrowserResolver({
  servers,
  // A day of serve-stale (RFC 8767): with both nameservers down, the last answer still stands, marked stale.
  staleSec: number('staleSec', 86_400),
  ...(params.has('maxTtlSec') && { maxTtlSec: number('maxTtlSec') }),
  ...(params.has('skipForMs') && { skipForMs: number('skipForMs') }),
  ...(params.has('staggerMs') && { staggerMs: number('staggerMs') }),
})

const $ = (id) => document.getElementById(id)
$('servers').textContent = servers.join(', ')
for (const element of document.querySelectorAll('.name')) element.textContent = name
// Each resolve gets a number, shown on the page, so a reader (or a test) knows which one it sees.
let round = 0

function showStats() {
  const rows = resolver.stats().map((s) => {
    const row = document.createElement('tr')
    const skipped = s.skippedUntil === null ? '–' : new Date(s.skippedUntil).toLocaleTimeString()
    for (const cell of [s.nameserver, s.sent, s.answered, s.failed, skipped]) {
      const td = document.createElement('td')
      td.textContent = String(cell)
      row.append(td)
    }
    return row
  })
  $('stats').tBodies[0].replaceChildren(...rows)
}

async function resolveApp() {
  round += 1
  document.body.dataset.state = 'resolving'
  $('error').textContent = ''
  try {
    const answer = await resolver.resolve(name, 'A')
    const addresses = answer.records.filter((rec) => rec.type === 1).map((rec) => rec.data)
    $('addresses').textContent = addresses.join(', ') || '(none)'
    $('nameserver').textContent = answer.nameserver
    $('ttl').textContent = `${answer.ttl} s`
    $('source').textContent = answer.stale
      ? 'stale cache (no nameserver answered)'
      : answer.cached
        ? 'cache'
        : 'the nameserver'
    document.body.dataset.state = 'answered'
  } catch (error) {
    $('error').textContent = `${error.code ?? 'error'}: ${error.message}`
    document.body.dataset.state = 'failed'
  }
  document.body.dataset.round = String(round)
  showStats()
}

$('resolve').addEventListener('click', () => void resolveApp())
void resolveApp()
