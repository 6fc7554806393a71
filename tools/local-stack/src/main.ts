#!/usr/bin/env node
// `npm start`: the local stack of examples/local.yaml on loopback until Ctrl-C.
import { fileURLToPath } from 'node:url'
import { localStack } from './local-stack.js'
import { planLocalStack } from './plan.js'
import { runLocalStack } from './run.js'

// dist/main.js sits three levels below the repository root.
const root = fileURLToPath(new URL('../../../', import.meta.url))

const stop = new AbortController()
// A repeated signal (npm forwards Ctrl-C too) changes nothing: the stop is already bounded by SIGKILL.
for (const name of ['SIGINT', 'SIGTERM'] as const) process.on(name, () => stop.abort(name))

const code = await runLocalStack(planLocalStack(root, localStack), { signal: stop.signal })
process.exit(code)
