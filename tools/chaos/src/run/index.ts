export { USAGE, parseCli, parseDuration, type CliOptions } from './args.js'
export { DEFAULT_RATE_PER_SEC, runChaos, scheduledProcesses, type RunOptions } from './run.js'
