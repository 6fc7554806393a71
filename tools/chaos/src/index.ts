// @nines/chaos: the whole stack (stack/), client traffic (traffic/), and the chaos run built on them.
export * from './stack/index.js'
export * from './traffic/index.js'
