// `npm run chaos`: the availability run. Prints progress, then the table; writes the JSON report; exits 0
// when every target is met. Ctrl-C stops the run early and still reports what ran.
import { resolve } from 'node:path'
import { defaultReportPath, formatReport, writeReport } from './report/index.js'
import { USAGE, parseCli, runChaos, type CliOptions } from './run/index.js'
import { findRoot } from './stack/index.js'

async function main(): Promise<number> {
  let cli: CliOptions
  try {
    cli = parseCli(process.argv.slice(2))
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (cli.help) {
    console.log(USAGE)
    return 0
  }
  const abort = new AbortController()
  const stop = () => {
    if (abort.signal.aborted) return
    console.log('\nstopping early: healing nothing, reporting what ran …')
    abort.abort()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  console.log(`nines chaos: seed ${cli.seed} (repeat with --seed ${cli.seed})`)
  const report = await runChaos({
    durationMs: cli.durationMs,
    seed: cli.seed,
    ratePerSec: cli.ratePerSec,
    signal: abort.signal,
    ...(cli.kinds === undefined ? {} : { kinds: cli.kinds }),
  })
  const root = findRoot()
  const out = cli.out === undefined ? defaultReportPath(root, report.startedAt) : resolve(cli.out)
  await writeReport(report, out)
  console.log(`\n${formatReport(report)}\n\nreport: ${out}`)
  // 130: stopped by Ctrl-C, as shells report it; the figures cover only what ran.
  if (report.interrupted) return 130
  return report.pass ? 0 : 1
}

const code = await main().catch((error: unknown) => {
  console.error(error)
  return 1
})
// Explicitly: a client's idle keep-alive socket must not hold the process open after the report.
process.exit(code)
